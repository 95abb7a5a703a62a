// The status page: polls the node every 2 s and shows what it finds. Every value is written with
// textContent (never as markup), and every field may be missing: the page then says so.
(function () {
  'use strict';

  var POLL_MS = 2000;
  var NO_DATA = 'no data yet';
  var KINDS = ['price', 'block', 'fee'];

  // ---- reading whatever the server answered, defensively ----

  function obj(x) {
    return x !== null && typeof x === 'object' && !Array.isArray(x) ? x : {};
  }

  function arr(x) {
    return Array.isArray(x) ? x : [];
  }

  function num(x) {
    return typeof x === 'number' && isFinite(x) ? x : null;
  }

  function str(x) {
    return typeof x === 'string' ? x : x === null || x === undefined ? '' : String(x);
  }

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return null;
    }
  }

  /** The X-Price-Age header, "USD=3, EUR=3", as {USD: 3, EUR: 3}. */
  function parseAges(header) {
    var ages = {};
    str(header).split(',').forEach(function (part) {
      var m = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(part);
      if (m) {
        ages[m[1]] = Number(m[2]);
      }
    });
    return ages;
  }

  function ago(seconds) {
    var s = num(seconds);
    if (s === null) {
      return '–';
    }
    if (s < 60) {
      return (Math.round(s * 10) / 10) + ' s ago';
    }
    if (s < 3600) {
      return Math.floor(s / 60) + ' min ' + Math.floor(s % 60) + ' s ago';
    }
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min ago';
  }

  // ---- writing the DOM, text only ----

  function $(id) {
    return document.getElementById(id);
  }

  function setText(id, text, className) {
    var e = $(id);
    if (e) {
      e.textContent = str(text);
      if (className !== undefined) {
        e.className = className;
      }
    }
    return e;
  }

  function cell(text, className, id) {
    var td = document.createElement('td');
    td.textContent = str(text);
    if (className) {
      td.className = className;
    }
    if (id) {
      td.id = id;
    }
    return td;
  }

  function row(cells) {
    var tr = document.createElement('tr');
    cells.forEach(function (c) {
      tr.appendChild(c);
    });
    return tr;
  }

  function emptyRow(columns, text) {
    var td = cell(text || NO_DATA, 'muted');
    td.colSpan = columns;
    return row([td]);
  }

  function fill(id, rows, columns) {
    var body = $(id);
    if (!body) {
      return;
    }
    while (body.firstChild) {
      body.removeChild(body.firstChild);
    }
    if (rows.length === 0) {
      body.appendChild(emptyRow(columns));
    }
    rows.forEach(function (r) {
      body.appendChild(r);
    });
  }

  function show(id, visible) {
    var e = $(id);
    if (e) {
      e.hidden = !visible;
    }
  }

  // ---- the sections ----

  function renderSummary(s, detail) {
    var status = str(detail.status);
    if (s.error) {
      setText('status', 'unreachable', 'badge badge-unreachable');
      setText('reason', s.error);
      setText('updated', 'no answer at ' + s.at.toLocaleTimeString()
          + (s.lastGood ? '; last answer at ' + s.lastGood.toLocaleTimeString() : ''));
      return;
    }
    var known = status === 'ok' || status === 'degraded' || status === 'down';
    setText('status', known ? status : 'unknown', 'badge badge-' + (known ? status : 'unknown'));
    setText('reason', detail.reason === undefined || str(detail.reason) === status ? '' : str(detail.reason));
    setText('updated', 'updated at ' + s.at.toLocaleTimeString());
  }

  function renderData(s, detail) {
    var data = obj(detail.data);
    var prices = obj(s.prices);
    var ages = parseAges(s.priceAges);
    var fallbackAges = obj(data.priceAgeSeconds);
    var staleAfter = num(data.priceStaleAfterSeconds);
    var rows = [];
    Object.keys(prices).forEach(function (currency) {
      var age = num(ages[currency]);
      if (age === null) {
        age = num(fallbackAges[currency]);
      }
      var stale = age !== null && staleAfter !== null && age > staleAfter;
      rows.push(row([
        cell(currency),
        cell(str(prices[currency]), 'num value', 'price-' + currency),
        cell(age === null ? '–' : ago(age) + (stale ? ' (stale)' : ''), stale ? 'stale' : '', 'age-' + currency)
      ]));
    });
    fill('prices', rows, 3);

    var upstream = detail.upstream;
    var serving = obj(obj(upstream).serving);
    var drivers = arr(obj(upstream).drivers);
    function note(kind) {
      if (upstream === null && detail.fleet) {
        return 'from the fleet\'s leader';
      }
      var name = str(serving[kind]);
      if (!name) {
        return '';
      }
      var d = drivers.filter(function (x) {
        return obj(x).name === name;
      })[0];
      var since = num(obj(d).secondsSinceLastEvent);
      return 'from ' + name + (since === null ? '' : ', its last event ' + ago(since));
    }
    var block = str(s.block).trim();
    var fee = str(s.fee).trim();
    setText('height', block || NO_DATA, block ? 'value' : 'value muted');
    setText('height-note', block ? note('block') : '');
    setText('fee', fee || NO_DATA, fee ? 'value' : 'value muted');
    setText('fee-note', fee ? note('fee') : '');
  }

  function renderUpstream(detail) {
    var upstream = detail.upstream;
    var here = upstream !== null && typeof upstream === 'object';
    var runs = obj(detail.fleet).runsUpstream;
    show('upstream-note', upstream === null);
    setText('upstream-note', runs === false
        ? 'This node does not run the upstream: it serves what the fleet\'s leader publishes.'
        : 'The upstream is not running on this node.');
    var serving = obj(obj(upstream).serving);
    var servingRows = [];
    KINDS.forEach(function (kind) {
      if (here) {
        var name = str(serving[kind]);
        servingRows.push(row([cell(kind), cell(name || 'nobody', name ? '' : 'down', 'serving-' + kind)]));
      }
    });
    fill('serving', servingRows, 2);

    var driverRows = arr(obj(upstream).drivers).map(function (x) {
      var d = obj(x);
      var name = str(d.name);
      var up = d.connected === true;
      return row([
        cell(name),
        cell(up ? 'connected' : 'disconnected', up ? 'up' : 'down', 'driver-' + name),
        cell(ago(d.secondsSinceLastEvent)),
        cell(str(d.detail), 'muted')
      ]);
    });
    fill('drivers', driverRows, 4);
  }

  function renderFleet(detail) {
    var fleet = obj(detail.fleet);
    setText('fleet-role', fleet.role === undefined ? '–' : str(fleet.role));
    setText('fleet-runs', typeof fleet.runsUpstream === 'boolean' ? (fleet.runsUpstream ? 'yes' : 'no') : '–');
    setText('fleet-node', fleet.node === undefined ? '– (one node, in-process bus)' : str(fleet.node));
    var broker = '–';
    if (fleet.role !== undefined && fleet.role === 'single') {
      broker = 'none';
    } else if (typeof fleet.brokerReachable === 'boolean') {
      broker = (fleet.brokerReachable ? 'reachable' : 'unreachable')
          + (num(fleet.secondsSinceBrokerContact) === null ? '' : ', last contact ' + ago(fleet.secondsSinceBrokerContact));
    }
    setText('fleet-broker', broker, fleet.brokerReachable === false ? 'down' : '');
  }

  function renderDevices(detail) {
    var devices = obj(detail.devices);
    var v1 = num(devices.v1);
    var v2 = num(devices.v2);
    setText('devices-v1', v1 === null ? '–' : v1);
    setText('devices-v2', v2 === null ? '–' : v2);
    setText('devices-total', v1 === null || v2 === null ? '–' : v1 + v2);
    // By the kind of client their upgrade request named (User-Agent): a fixed set of kinds.
    var byClient = obj(devices.byClient);
    ['btclock-firmware', 'esp32-client', 'browser', 'other'].forEach(function (kind) {
      var n = num(byClient[kind]);
      setText('devices-' + kind, n === null ? '–' : n);
    });
  }

  function renderPriceSources(detail) {
    var quotes = arr(obj(detail.upstream).priceSources);
    show('price-sources', quotes.length > 0);
    fill('price-sources-rows', quotes.map(function (x) {
      var q = obj(x);
      var used = q.used === true;
      return row([
        cell(str(q.source)),
        cell(str(q.currency)),
        cell(num(q.price) === null ? '–' : str(q.price), 'num'),
        cell(ago(q.ageSeconds)),
        cell(used ? 'yes' : 'no', used ? 'up' : 'unused'),
        cell(num(q.outliers) === null ? '–' : str(q.outliers), 'num')
      ]);
    }), 6);
  }

  function renderRelays(detail) {
    var relays = arr(detail.publishing);
    show('relays', relays.length > 0);
    fill('relays-rows', relays.map(function (x) {
      var r = obj(x);
      var up = r.connected === true;
      return row([
        cell(str(r.name)),
        cell(up ? 'connected' : 'disconnected', up ? 'up' : 'down'),
        cell(num(r.published) === null ? '–' : str(r.published), 'num'),
        cell(num(r.delivered) === null ? '–' : str(r.delivered), 'num'),
        cell(num(r.failed) === null ? '–' : str(r.failed), 'num')
      ]);
    }), 5);
  }

  /**
   * Shows one poll's result: {detail, prices, priceAges, block, fee, at} as the server answered
   * (any of them missing or null), or {error, at, lastGood} when it did not answer.
   */
  function render(s) {
    s = obj(s);
    if (!(s.at instanceof Date)) {
      s.at = new Date();
    }
    var detail = obj(s.detail);
    renderSummary(s, detail);
    if (s.error) {
      return;
    }
    renderData(s, detail);
    renderUpstream(detail);
    renderFleet(detail);
    renderDevices(detail);
    renderPriceSources(detail);
    renderRelays(detail);
    document.body.setAttribute('data-polls', String(Number(document.body.getAttribute('data-polls') || 0) + 1));
  }

  // ---- polling ----

  function get(path) {
    return fetch(path, {cache: 'no-store', headers: {'Accept': 'application/json'}}).then(function (r) {
      return r.text().then(function (text) {
        return {status: r.status, text: text, headers: r.headers};
      });
    });
  }

  var lastGood = null;

  function poll() {
    return Promise.all([get('/healthz/detail'), get('/api/lastprice'), get('/api/lastblock'), get('/api/lastfee')])
      .then(function (answers) {
        var detail = answers[0];
        var prices = answers[1];
        var block = answers[2];
        var fee = answers[3];
        var s = {
          at: new Date(),
          detail: parseJson(detail.text),
          prices: prices.status === 200 ? parseJson(prices.text) : null,
          priceAges: prices.headers.get('X-Price-Age'),
          block: block.status === 200 ? block.text : null,
          fee: fee.status === 200 ? fee.text : null
        };
        lastGood = s.at;
        render(s);
      }, function (e) {
        render({at: new Date(), error: 'the server did not answer (' + str(e && e.message) + ')', lastGood: lastGood});
      });
  }

  function loop() {
    poll().catch(function (e) {
      setText('updated', 'the page failed to show the answer: ' + str(e && e.message));
    }).then(function () {
      setTimeout(loop, POLL_MS);
    });
  }

  window.BtclockStatus = {render: render, parseAges: parseAges};

  loop();
}());
