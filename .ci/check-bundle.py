#!/usr/bin/env python3
"""Checks a Maven Central bundle (central-bundle.zip) against Central's publishing rules and ours.

Central: every component has a POM with name, description, url, licenses, developers and scm
(inherited values count, resolved as Maven resolves them, including its habit of appending the
artifactId to inherited urls); every jar component has its -sources and -javadoc jars; every
file has .md5 and .sha1 (and .asc, unless signing was skipped); no SNAPSHOT. Ours: exactly the
published modules (the libraries, the server, the parent), LICENSE in every jar, a module
descriptor in every library jar, the runnable jar attached to the server, and no logging backend
forced on anyone who depends on a published POM.
"""
import sys
import xml.etree.ElementTree as ET
import zipfile
import io

NS = {"m": "http://maven.apache.org/POM/4.0.0"}
EXPECTED = {"btclock-parent", "btclock-core", "btclock-upstream", "btclock-bus", "btclock-nostr", "btclock-server"}
LIBRARIES = {"btclock-core": "dev.btclock.core", "btclock-upstream": "dev.btclock.upstream",
             "btclock-bus": "dev.btclock.bus", "btclock-nostr": "dev.btclock.nostr"}
BACKENDS = {"slf4j-simple", "logback-classic", "log4j-slf4j2-impl", "slf4j-reload4j", "slf4j-jdk14"}
APPEND_ATTR = "child.project.url.inherit.append.path"


def text(el, path):
    found = el.find(path, NS)
    return found.text.strip() if found is not None and found.text else None


def main():
    path = sys.argv[1]
    signatures_skipped = "--signatures-skipped" in sys.argv
    z = zipfile.ZipFile(path)
    names = set(z.namelist())
    problems = []
    components = {}
    for n in names:
        parts = n.split("/")
        if len(parts) >= 4 and not n.endswith("/"):
            artifact, version, file = parts[-3], parts[-2], parts[-1]
            components.setdefault((artifact, version), set()).add(file)

    artifacts = {a for a, _ in components}
    if artifacts != EXPECTED:
        problems.append(f"bundle holds {sorted(artifacts)}, expected {sorted(EXPECTED)}")

    poms = {}
    for (artifact, version), files in components.items():
        base = f"{artifact}-{version}"
        if "SNAPSHOT" in version:
            problems.append(f"{artifact}: SNAPSHOT version {version}")
        prefix = next(n for n in names if n.endswith(f"/{artifact}/{version}/{base}.pom")).rsplit("/", 1)[0]
        poms[artifact] = ET.fromstring(z.read(f"{prefix}/{base}.pom"))
        payload = [f for f in files if not f.endswith((".md5", ".sha1", ".sha256", ".sha512", ".asc"))]
        for f in payload:
            for ext in [".md5", ".sha1"] + ([] if signatures_skipped else [".asc"]):
                if f + ext not in files:
                    problems.append(f"{artifact}: {f}{ext} missing")
        packaging = text(poms[artifact], "m:packaging") or "jar"
        if packaging == "jar":
            for classifier in ("", "-sources", "-javadoc"):
                if f"{base}{classifier}.jar" not in files:
                    problems.append(f"{artifact}: {base}{classifier}.jar missing")
            for f in payload:
                if f.endswith(".jar") and not f.endswith("-javadoc.jar"):
                    jar = zipfile.ZipFile(io.BytesIO(z.read(f"{prefix}/{f}")))
                    if "META-INF/LICENSE" not in jar.namelist():
                        problems.append(f"{artifact}: {f} has no META-INF/LICENSE")
            if artifact in LIBRARIES:
                jar = zipfile.ZipFile(io.BytesIO(z.read(f"{prefix}/{base}.jar")))
                if "module-info.class" not in jar.namelist():
                    problems.append(f"{artifact}: no module-info.class in {base}.jar")
        components[(artifact, version)] = (files, payload)

    parent = poms.get("btclock-parent")
    rows = []
    for artifact in sorted(poms):
        pom = poms[artifact]
        def inherited(field):
            own = text(pom, f"m:{field}")
            if own or parent is None or pom is parent:
                return own
            return text(parent, f"m:{field}")
        name = text(pom, "m:name")
        description = text(pom, "m:description")
        url = text(pom, "m:url")
        if url is None and parent is not None and pom is not parent:
            url = text(parent, "m:url")
            if parent.get(APPEND_ATTR) != "false":
                url = url.rstrip("/") + "/" + artifact
        scm = pom.find("m:scm", NS)
        scm_el = scm if scm is not None else (parent.find("m:scm", NS) if parent is not None else None)
        scm_url = text(scm_el, "m:url") if scm_el is not None else None
        if scm is None and scm_el is not None and scm_el.get("child.scm.url.inherit.append.path") != "false":
            scm_url = (scm_url or "").rstrip("/") + "/" + artifact
        licenses = pom.find("m:licenses", NS) if pom.find("m:licenses", NS) is not None else (
            parent.find("m:licenses", NS) if parent is not None else None)
        developers = pom.find("m:developers", NS) if pom.find("m:developers", NS) is not None else (
            parent.find("m:developers", NS) if parent is not None else None)
        for field, value in [("name", name), ("description", description), ("url", url), ("scm/url", scm_url)]:
            if not value:
                problems.append(f"{artifact}: POM {field} missing")
        repo = text(parent, "m:url") if parent is not None else None
        if url != repo:
            problems.append(f"{artifact}: url {url} is not the repository's {repo}")
        if scm_url != repo:
            problems.append(f"{artifact}: scm url {scm_url} is not the repository's {repo}")
        if licenses is None or licenses.find("m:license/m:name", NS) is None or licenses.find("m:license/m:url", NS) is None:
            problems.append(f"{artifact}: POM licenses missing")
        if developers is None or developers.find("m:developer/m:name", NS) is None:
            problems.append(f"{artifact}: POM developers missing")
        for dep in pom.findall("m:dependencies/m:dependency", NS):
            if text(dep, "m:artifactId") in BACKENDS and text(dep, "m:scope") != "test" and text(dep, "m:optional") != "true":
                problems.append(f"{artifact}: forces the logging backend {text(dep, 'm:artifactId')} on its users")
        files, payload = next(v for (a, _), v in components.items() if a == artifact)
        rows.append((artifact, name, ", ".join(sorted(f.split(artifact + "-", 1)[1].split("-", 1)[-1] if "-" in f.split(artifact + "-", 1)[1] else f
                                                      for f in payload))))

    server_files = next((v[0] for (a, _), v in components.items() if a == "btclock-server"), set())
    if not any(f.endswith("-all.jar") for f in server_files):
        problems.append("btclock-server: the runnable jar (classifier all) is not attached")

    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"bundle {path}: {len(names)} files, {len(poms)} components")
    for artifact, name, files in rows:
        print(f"  {artifact:<{width}}  {name}")
        print(f"  {'':<{width}}  files: {', '.join(sorted(components_files(components, artifact)))}")
    print("  signatures: " + ("skipped (-Dgpg.skip)" if signatures_skipped else "checked"))
    if problems:
        print(f"FAILED: {len(problems)} problem(s)")
        for p in problems:
            print("  - " + p)
        sys.exit(1)
    print("OK: every component passes Central's rules and ours")


def components_files(components, artifact):
    for (a, _), (files, payload) in components.items():
        if a == artifact:
            return payload
    return []


if __name__ == "__main__":
    main()
