#!/usr/bin/env python3
"""Checks a store zip before `./build.sh package` writes it (Chrome Web Store, Edge Add-ons).

The stores refuse, or their reviewers question, a package that is not exactly what the listing
says: a manifest that is not at the root, a development `key`, a missing icon size, a message
missing in one language, a description over 132 characters, or files nobody explained (source
maps, benchmark code). Each problem is reported with what to do about it; the exit status is 1
when there is any.

    check_package.py ZIP --store store --source src

`--store` is the listing (`store/`): `package-contents.txt` (every file the zip may hold, and
what it is), `<lang>/short-description.txt` (the manifest's description, as the listing shows
it) and `<lang>/permissions.md` (a `## name` section for each permission and host permission).
`--source` is the Rust source of the extension's code: the `_locales` messages it names.

Standard library only (this runs wherever `build.sh` does).
"""

import argparse
import fnmatch
import json
import re
import struct
import sys
import zipfile

# The icon sizes the stores and Chrome use (toolbar 16/32, extensions page 48, store 128).
ICON_SIZES = ("16", "32", "48", "128")
# The manifest's description (after message substitution): Chrome's limit. The name: Edge
# Add-ons' (45; the Chrome Web Store's is 75), since the same zip goes to both.
DESCRIPTION_MAX = 132
NAME_MAX = 45

MSG_RE = re.compile(r"__MSG_([A-Za-z0-9_@]+)__")
# The code's calls that take a message name: t("x"), t_with("x", …), t_count("x", …), message("x", …).
CALL_RE = re.compile(r"\b(t|t_with|t_args|t_count|message)\(\s*\"([A-Za-z0-9_@]+)\"")
# A message named beside its substitutions: ("errorNetwork", vec![url]).
TUPLE_RE = re.compile(r"\(\s*\"([A-Za-z0-9_@]+)\",\s*vec!")
LITERAL_RE = re.compile(r"\"([A-Za-z][A-Za-z0-9_@]*)\"")
PLACEHOLDER_RE = re.compile(r"\$([A-Za-z0-9_@]+)\$")


class Problems:
    def __init__(self):
        self.items = []

    def add(self, text):
        self.items.append(text)


def png_size(data):
    """(width, height) of a PNG, or None if `data` is not one."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def strings_in(value):
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def read_contents_list(path):
    """The patterns of package-contents.txt: `pattern  what it is` per line, `#` comments."""
    patterns = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) < 2:
                raise SystemExit(f"{path}:{number}: say what `{parts[0]}` is after the pattern")
            patterns.append(parts[0])
    return patterns


def names_in_source(source_dir):
    """Message names the code uses for sure (calls), and every string literal (to match keys)."""
    import pathlib

    called, literals = set(), set()
    for path in sorted(pathlib.Path(source_dir).rglob("*.rs")):
        text = path.read_text(encoding="utf-8")
        for function, name in CALL_RE.findall(text):
            called.add(name)
            if function == "t_count":
                # Plurals come in two messages: `name` and `nameOne` (src/ui/mod.rs).
                called.add(name + "One")
        called.update(TUPLE_RE.findall(text))
        literals.update(LITERAL_RE.findall(text))
    return called, literals


def check_layout(names, problems):
    if "manifest.json" not in names:
        nested = [n for n in names if n.endswith("/manifest.json")]
        hint = (
            f" (it is at {nested[0]}: zip the folder's contents, not the folder)" if nested else ""
        )
        problems.add(f"manifest.json is not at the root of the zip{hint}")
    for name in names:
        parts = name.split("/")
        if any(p.startswith("_") and p != "_locales" for p in parts):
            problems.add(f"{name}: names starting with `_` are reserved by Chrome; rename it")
        if any(p.startswith(".") or p == "__MACOSX" for p in parts):
            problems.add(f"{name}: a hidden or system file; leave it out of the package")


def check_manifest(manifest, names, read, problems):
    if manifest.get("manifest_version") != 3:
        problems.add("manifest.json: manifest_version must be 3")
    if "key" in manifest:
        problems.add(
            "manifest.json has a `key`: the store assigns the id, so the development key must "
            "not ship (build the zip with ./build.sh package, which removes it)"
        )
    if "update_url" in manifest:
        problems.add("manifest.json has an `update_url`: the stores update the extension; remove it")
    icons = manifest.get("icons", {})
    for size in ICON_SIZES:
        if size not in icons:
            problems.add(f"manifest.json: icons has no {size}x{size} icon; add icons/icon-{size}.png")
    declared = [(s, p, "icons") for s, p in icons.items()]
    action_icons = manifest.get("action", {}).get("default_icon", {})
    if isinstance(action_icons, dict):
        declared += [(s, p, "action.default_icon") for s, p in action_icons.items()]
    for size, path, where in declared:
        if path not in names:
            problems.add(f"manifest.json {where} {size}: {path} is not in the zip")
            continue
        dimensions = png_size(read(path))
        if dimensions is None:
            problems.add(f"{path}: not a PNG (the stores want PNG icons)")
        elif dimensions != (int(size), int(size)):
            problems.add(
                f"{path}: {dimensions[0]}x{dimensions[1]}, but the manifest says {size}x{size}"
            )
    referenced = []
    background = manifest.get("background", {})
    referenced += [background.get("service_worker")]
    referenced += [manifest.get("action", {}).get("default_popup")]
    referenced += [manifest.get("options_ui", {}).get("page")]
    for script in manifest.get("content_scripts", []):
        referenced += script.get("js", []) + script.get("css", [])
    for path in referenced:
        if path and path not in names:
            problems.add(f"manifest.json names {path}, which is not in the zip")


def check_locales(manifest, names, read, source, problems):
    default = manifest.get("default_locale")
    if not default:
        problems.add("manifest.json: no default_locale (the messages need one)")
        return
    locales = sorted({n.split("/")[1] for n in names if n.startswith("_locales/") and n.count("/") >= 2})
    catalogs = {}
    for locale in locales:
        path = f"_locales/{locale}/messages.json"
        if path not in names:
            problems.add(f"_locales/{locale}/ has no messages.json")
            continue
        try:
            catalog = json.loads(read(path).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            problems.add(f"{path}: not valid JSON ({e})")
            continue
        for key, entry in catalog.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("message"), str):
                problems.add(f"{path}: {key} has no \"message\" string")
                continue
            defined = {p.lower() for p in entry.get("placeholders", {})}
            for used in PLACEHOLDER_RE.findall(entry["message"]):
                if used.lower() not in defined:
                    problems.add(f"{path}: {key} uses ${used}$ but defines no such placeholder")
        catalogs[locale] = {k.lower(): v for k, v in catalog.items() if isinstance(v, dict)}
    if default not in catalogs:
        problems.add(f"_locales/{default}/messages.json (the default locale) is not in the zip")
        return

    # What is used: the manifest's __MSG_x__, the pages' and scripts' own, and the code's.
    used = {}
    for text in strings_in(manifest):
        for name in MSG_RE.findall(text):
            used.setdefault(name, "manifest.json")
    for name in names:
        if name.endswith((".js", ".css", ".html")):
            text = read(name).decode("utf-8", "replace")
            for found in MSG_RE.findall(text):
                used.setdefault(found, name)
            for found in re.findall(r"getMessage\(\s*['\"]([A-Za-z0-9_@]+)['\"]", text):
                used.setdefault(found, name)
    if source:
        called, literals = source
        for name in called:
            used.setdefault(name, "the code")
        every_key = set().union(*(set(c) for c in catalogs.values()))
        for name in literals:
            if name.lower() in every_key:
                used.setdefault(name, "the code")
    for locale, catalog in sorted(catalogs.items()):
        for name, where in sorted(used.items()):
            if name.lower() not in catalog:
                problems.add(
                    f"_locales/{locale}/messages.json has no \"{name}\" ({where} uses it): add it"
                )
        # A message only the default locale has shows in the default language: refused too.
        for name in sorted(set(catalogs[default]) - set(catalog)):
            if name not in {n.lower() for n in used}:
                problems.add(f"_locales/{locale}/messages.json has no \"{name}\" ({default} has it): add it")
        for name in sorted(set(catalog) - set(catalogs[default])):
            problems.add(
                f"_locales/{locale}/messages.json has \"{name}\", which {default} (the default) lacks"
            )

    def resolved(locale, value):
        def one(match):
            entry = catalogs[locale].get(match.group(1).lower()) or catalogs[default].get(
                match.group(1).lower()
            )
            return entry["message"] if entry else match.group(0)

        return MSG_RE.sub(one, value)

    for locale in sorted(catalogs):
        description = resolved(locale, manifest.get("description", ""))
        if not description:
            problems.add("manifest.json has no description (the stores show it)")
        elif len(description) > DESCRIPTION_MAX:
            problems.add(
                f"the {locale} description is {len(description)} characters, over "
                f"{DESCRIPTION_MAX}: shorten extDescription in _locales/{locale}/messages.json"
            )
        name = resolved(locale, manifest.get("name", ""))
        if len(name) > NAME_MAX:
            problems.add(
                f"the {locale} name is {len(name)} characters, over {NAME_MAX} (Edge Add-ons' limit)"
            )
        # Edge Add-ons' certification refuses a name or description that says Chrome.
        if "chrome" in (name + " " + description).lower():
            problems.add(
                f"the {locale} name or description says Chrome: the same zip goes to Edge "
                "Add-ons, which refuses that; say \"browser\""
            )


def check_contents(names, read, patterns, problems):
    for name in names:
        if name.endswith(".map"):
            problems.add(f"{name}: a source map; the package ships none (build without them)")
        elif not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            problems.add(
                f"{name}: not in store/package-contents.txt; leave it out of dist/, or add it "
                "there with what it is"
            )
        if name.endswith((".js", ".wasm", ".css", ".html")):
            data = read(name)
            if b"sourceMappingURL" in data:
                problems.add(f"{name}: points to a source map (sourceMappingURL); the package ships none")
            if name.endswith(".js") and re.search(rb"\bbench_\w+", data):
                problems.add(
                    f"{name}: carries benchmark code (bench_ exports); the shipped bundles are "
                    "built without the `bench` feature"
                )
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(n, pattern) for n in names):
            problems.add(
                f"store/package-contents.txt lists {pattern}, which the zip does not hold: "
                "remove the line"
            )


def check_listing(manifest, catalogs_of, store, problems):
    """The listing's texts agree with the package: the short description, the permissions."""
    import pathlib

    root = pathlib.Path(store)
    langs = sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "short-description.txt").exists())
    if not langs:
        problems.add(f"{store}: no <lang>/short-description.txt")
    asked = list(manifest.get("permissions", [])) + list(manifest.get("optional_permissions", []))
    asked += list(manifest.get("host_permissions", [])) + list(manifest.get("optional_host_permissions", []))
    for lang in langs:
        short = (root / lang / "short-description.txt").read_text(encoding="utf-8").strip()
        catalog = catalogs_of(lang)
        if catalog is None:
            problems.add(f"{store}/{lang}: the package has no _locales/{lang}")
            continue
        description = catalog.get("extdescription", {}).get("message")
        if short != description:
            problems.add(
                f"{store}/{lang}/short-description.txt differs from extDescription in "
                f"_locales/{lang}: the listing shows the manifest's own; make them the same"
            )
        permissions = root / lang / "permissions.md"
        text = permissions.read_text(encoding="utf-8") if permissions.exists() else ""
        sections = set(re.findall(r"^## `?([^`\n]+?)`?\s*$", text, re.M))
        # The backend's origin differs by build (build.sh writes it into host_permissions and
        # externally_connectable alike): one section, `## @BACKEND_ORIGIN@`, covers it.
        backend = set(manifest.get("externally_connectable", {}).get("matches", []))
        for permission in asked:
            if permission in sections:
                continue
            if permission in backend and "@BACKEND_ORIGIN@" in sections:
                continue
            problems.add(f"{permissions}: no `## {permission}` section justifying it")


def check(zip_path, store=None, source=None):
    """The problems of the zip at `zip_path`, as sentences (empty when it may ship)."""
    problems = Problems()
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as e:
        return [f"{zip_path}: not a zip ({e})"]
    with archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()]

        def read(name):
            return archive.read(name)

        check_layout(names, problems)
        if "manifest.json" not in names:
            return problems.items
        try:
            manifest = json.loads(read("manifest.json").decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            problems.add(f"manifest.json: not valid JSON ({e})")
            return problems.items
        check_manifest(manifest, names, read, problems)
        check_locales(manifest, names, read, names_in_source(source) if source else None, problems)
        if store:
            check_contents(names, read, read_contents_list(f"{store}/package-contents.txt"), problems)

            def catalogs_of(lang):
                path = f"_locales/{lang}/messages.json"
                if path not in names:
                    return None
                return {k.lower(): v for k, v in json.loads(read(path)).items()}

            check_listing(manifest, catalogs_of, store, problems)
    return problems.items


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zip")
    parser.add_argument("--store", help="the listing folder (store/)")
    parser.add_argument("--source", help="the extension's Rust source (src/)")
    args = parser.parse_args(argv)
    problems = check(args.zip, store=args.store, source=args.source)
    if problems:
        print(f"The package {args.zip} cannot ship:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    with zipfile.ZipFile(args.zip) as archive:
        count = sum(1 for i in archive.infolist() if not i.is_dir())
    print(f"package check: {count} files, manifest at the root, no key, icons {'/'.join(ICON_SIZES)}, "
          "every message in every locale, description within 132 characters, nothing unlisted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
