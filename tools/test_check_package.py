#!/usr/bin/env python3
"""Tests of tools/check_package.py on real zips written to a temporary folder: a package that
may ship passes, and each kind of problem the stores refuse is found, alone, with what to do.

    python3 tools/test_check_package.py      (./build.sh test runs it)
"""

import json
import os
import struct
import sys
import tempfile
import unittest
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_package  # noqa: E402


def png(width, height):
    """A real PNG of that size (one grey pixel colour)."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def messages(description="Share your connections with your networks.", hello="Hello"):
    return {
        "extName": {"message": "AllyShare"},
        "extDescription": {"message": description},
        "hello": {"message": hello},
        "greet": {"message": "Hi $NAME$", "placeholders": {"name": {"content": "$1"}}},
    }


def good_files():
    """The files of a package that may ship: path → bytes (or a JSON value)."""
    manifest = {
        "manifest_version": 3,
        "name": "__MSG_extName__",
        "description": "__MSG_extDescription__",
        "version": "0.1.0",
        "default_locale": "en",
        "icons": {s: f"icons/icon-{s}.png" for s in ("16", "32", "48", "128")},
        "action": {"default_popup": "popup.html", "default_icon": {"16": "icons/icon-16.png"}},
        "background": {"service_worker": "background.js", "type": "module"},
        "permissions": ["storage"],
        "host_permissions": ["https://www.linkedin.com/*", "https://backend.example/*"],
        "externally_connectable": {"matches": ["https://backend.example/*"]},
    }
    files = {
        "manifest.json": manifest,
        "background.js": b"import init from './pkg/worker.js';\n",
        "popup.html": b"<!doctype html><script type=module src=popup.js></script>\n",
        "popup.js": b"// loader\n",
        "pkg/worker.js": b"export function handle_message() {}\n",
        "pkg/worker_bg.wasm": b"\x00asm\x01\x00\x00\x00",
        "_locales/en/messages.json": messages(),
        "_locales/fr/messages.json": messages(
            "Partagez vos relations avec vos réseaux.", "Bonjour"
        ),
    }
    for s in (16, 32, 48, 128):
        files[f"icons/icon-{s}.png"] = png(s, s)
    return files


STORE = {
    "package-contents.txt": "# test\nmanifest.json  the manifest\n*.js  loaders\npopup.html  popup\n"
    "pkg/*  the wasm and its glue\nicons/icon-*.png  icons\n_locales/*/messages.json  strings\n",
    "en/short-description.txt": "Share your connections with your networks.\n",
    "fr/short-description.txt": "Partagez vos relations avec vos réseaux.\n",
    "en/permissions.md": "## storage\nstate\n## https://www.linkedin.com/*\nreading\n## @BACKEND_ORIGIN@\nsync\n",
    "fr/permissions.md": "## storage\nétat\n## https://www.linkedin.com/*\nlecture\n## @BACKEND_ORIGIN@\nsynchro\n",
}
SOURCE = {"ui.rs": 'fn f() { t("hello"); t_with("greet", name); }\n'}


class PackageCheck(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.store = self.write_tree("store", STORE)
        self.source = self.write_tree("src", SOURCE)

    def write_tree(self, name, files):
        root = os.path.join(self.dir.name, name)
        for path, text in files.items():
            full = os.path.join(root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)
        return root

    def problems(self, files, prefix=""):
        path = os.path.join(self.dir.name, "package.zip")
        with zipfile.ZipFile(path, "w") as z:
            for name, data in files.items():
                if not isinstance(data, bytes):
                    data = json.dumps(data).encode()
                z.writestr(prefix + name, data)
        return check_package.check(path, store=self.store, source=self.source)

    def assert_one_problem(self, files, *words, prefix=""):
        found = self.problems(files, prefix)
        self.assertEqual(len(found), 1, found)
        for word in words:
            self.assertIn(word, found[0])

    def test_a_package_that_may_ship_passes(self):
        self.assertEqual(self.problems(good_files()), [])

    def test_a_development_key_is_refused(self):
        files = good_files()
        files["manifest.json"]["key"] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
        self.assert_one_problem(files, "`key`", "./build.sh package")

    def test_the_manifest_must_be_at_the_root(self):
        found = self.problems(good_files(), prefix="dist/")
        self.assertEqual(len(found), 1, found)
        self.assertIn("not at the root", found[0])
        self.assertIn("dist/manifest.json", found[0])

    def test_every_icon_size_at_its_size(self):
        files = good_files()
        del files["manifest.json"]["icons"]["48"]
        self.assert_one_problem(files, "48x48")
        files = good_files()
        files["icons/icon-32.png"] = png(16, 16)
        self.assert_one_problem(files, "icons/icon-32.png", "16x16", "32x32")

    def test_a_message_the_code_uses_must_be_in_each_locale(self):
        files = good_files()
        del files["_locales/fr/messages.json"]["hello"]
        self.assert_one_problem(files, "_locales/fr/messages.json", '"hello"', "the code")

    def test_a_message_of_the_default_locale_must_be_in_the_others(self):
        files = good_files()
        files["_locales/en/messages.json"]["unused"] = {"message": "Only English"}
        self.assert_one_problem(files, "_locales/fr/messages.json", '"unused"')

    def test_a_placeholder_must_be_defined(self):
        files = good_files()
        files["_locales/fr/messages.json"]["greet"] = {"message": "Salut $NOM$"}
        self.assert_one_problem(files, "$NOM$")

    def test_the_description_is_at_most_132_characters(self):
        files = good_files()
        long = "é" * 133
        files["_locales/fr/messages.json"]["extDescription"]["message"] = long
        found = self.problems(files)
        self.assertTrue(any("133 characters, over 132" in p for p in found), found)
        # Exactly 132 (in characters, not bytes) is fine, as far as the length goes.
        files["_locales/fr/messages.json"]["extDescription"]["message"] = "é" * 132
        self.assertFalse(any("characters" in p for p in self.problems(files)))

    def test_what_edge_add_ons_refuses_is_refused_too(self):
        files = good_files()
        files["manifest.json"]["update_url"] = "https://example.org/updates.xml"
        self.assert_one_problem(files, "`update_url`")
        files = good_files()
        files["_locales/fr/messages.json"]["extDescription"]["message"] = "Pour Chrome."
        found = self.problems(files)
        self.assertTrue(any("says Chrome" in p for p in found), found)
        files = good_files()
        files["_locales/en/messages.json"]["extName"]["message"] = "A" * 46
        self.assert_one_problem(files, "46 characters, over 45")

    def test_source_maps_and_bench_code_are_refused(self):
        files = good_files()
        files["pkg/worker.js.map"] = b"{}"
        self.assert_one_problem(files, "pkg/worker.js.map", "source map")
        files = good_files()
        files["pkg/worker.js"] += b"//# sourceMappingURL=worker.js.map\n"
        self.assert_one_problem(files, "sourceMappingURL")
        files = good_files()
        files["pkg/worker.js"] += b"export function bench_parse_dash_pages(p) {}\n"
        self.assert_one_problem(files, "benchmark code")

    def test_a_file_the_listing_does_not_explain_is_refused(self):
        files = good_files()
        files["notes/todo.txt"] = b"later"
        self.assert_one_problem(files, "notes/todo.txt", "package-contents.txt")
        files = good_files()
        files[".DS_Store"] = b""
        found = self.problems(files)
        self.assertTrue(any("hidden" in p for p in found), found)

    def test_every_permission_is_justified_in_each_language(self):
        files = good_files()
        files["manifest.json"]["permissions"].append("tabs")
        found = self.problems(files)
        self.assertEqual(len(found), 2, found)
        self.assertTrue(all("`## tabs`" in p for p in found))
        self.assertTrue(any("store/en/" in p for p in found) and any("store/fr/" in p for p in found))

    def test_the_listing_shows_the_manifest_description(self):
        files = good_files()
        files["_locales/en/messages.json"]["extDescription"]["message"] = "Something else."
        self.assert_one_problem(files, "store/en/short-description.txt", "extDescription")

    def test_the_command_exits_non_zero_and_says_why(self):
        files = good_files()
        files["manifest.json"]["key"] = "x"
        self.problems(files)
        path = os.path.join(self.dir.name, "package.zip")
        code = check_package.main([path, "--store", self.store, "--source", self.source])
        self.assertEqual(code, 1)


if __name__ == "__main__":
    unittest.main(verbosity=1)
