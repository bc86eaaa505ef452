//! Pins what the extension asks Chrome for: the permissions, the hosts, who may message it, and
//! the content security policy of its pages. A change here is a change to what allies are asked
//! to trust (and what the Chrome Web Store reviews), so it must be deliberate: this test fails
//! on any addition.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};

fn manifest() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/manifest.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("manifest.json")).unwrap()
}

#[test]
fn permissions_are_exactly_what_the_features_need() {
    let m = manifest();
    // storage: settings and the contact list; unlimitedStorage: 30,000 contacts; alarms: the
    // scheduled sync; cookies: reading LinkedIn's JSESSIONID (CSRF token) in the worker.
    assert_eq!(
        m["permissions"],
        json!(["storage", "unlimitedStorage", "alarms", "cookies"])
    );
    // Asked for only when the ally turns sync notifications on.
    assert_eq!(m["optional_permissions"], json!(["notifications"]));
    // LinkedIn, and the backend the build is for (filled in by build.sh).
    assert_eq!(
        m["host_permissions"],
        json!(["https://www.linkedin.com/*", "@BACKEND_ORIGIN@"])
    );
    // Another HTTPS backend only when the ally sets one, and asks.
    assert_eq!(m["optional_host_permissions"], json!(["https://*/*"]));
    // Only the backend's pages (the hand-off) may message the extension.
    assert_eq!(
        m["externally_connectable"],
        json!({"matches": ["@BACKEND_ORIGIN@"]})
    );
    // The content script runs on LinkedIn only.
    let scripts = m["content_scripts"].as_array().unwrap();
    assert_eq!(scripts.len(), 1);
    assert_eq!(scripts[0]["matches"], json!(["https://www.linkedin.com/*"]));
}

#[test]
fn nothing_else_widens_the_surface() {
    let m = manifest();
    let mut keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    // No web_accessible_resources (pages cannot embed the extension's files), no sandbox, no
    // declarativeNetRequest, no devtools page, no chrome_url_overrides.
    assert_eq!(
        keys,
        [
            "action",
            "background",
            "content_scripts",
            "content_security_policy",
            "default_locale",
            "description",
            "externally_connectable",
            "host_permissions",
            "icons",
            "key",
            "manifest_version",
            "minimum_chrome_version",
            "name",
            "optional_host_permissions",
            "optional_permissions",
            "options_ui",
            "permissions",
            "version",
        ]
    );
    assert_eq!(m["manifest_version"], 3);
}

#[test]
fn chrome_can_close_local_storage_to_content_scripts() {
    // `chrome.storage.local.setAccessLevel` (background.js) exists from Chrome 140; before it,
    // the content script inside LinkedIn's pages could read the refresh token and the contacts.
    let version: u32 = manifest()["minimum_chrome_version"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .expect("minimum_chrome_version is a number");
    assert!(version >= 140, "minimum_chrome_version {version} < 140");
}

#[test]
fn pages_run_only_the_packaged_scripts_and_wasm() {
    let m = manifest();
    // Scripts from the package only; WebAssembly compiled from the package; no plugins.
    assert_eq!(
        m["content_security_policy"],
        json!({"extension_pages": "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'"})
    );
    // The pages agree with the policy (anything else would silently not run): every script
    // is a packaged file, none inline, no inline event handlers.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/extension");
    let mut pages = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("html") {
            continue;
        }
        pages += 1;
        let html = std::fs::read_to_string(&path).unwrap().to_lowercase();
        for tag in html.split("<script").skip(1) {
            let open = &tag[..tag.find('>').expect("a closed tag")];
            let src = open
                .split("src=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("{}: an inline script", path.display()));
            assert!(
                !src.contains(':') && !src.starts_with("//"),
                "{}: script from elsewhere: {src}",
                path.display()
            );
            assert!(
                tag[tag.find('>').unwrap() + 1..].starts_with("</script>"),
                "{}: a script with a body",
                path.display()
            );
        }
        for handler in [
            " onclick=",
            " onload=",
            " onerror=",
            " onsubmit=",
            "javascript:",
        ] {
            assert!(!html.contains(handler), "{}: {handler}", path.display());
        }
    }
    assert!(pages >= 3, "the popup, options and onboarding pages");
}
