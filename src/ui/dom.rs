//! Tiny DOM builders. Text always goes through `textContent`, never `innerHTML`, so names and
//! messages from the network can never become markup.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, HtmlButtonElement, HtmlElement, HtmlInputElement};

pub fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect_throw("a page has a document")
}

/// Creates `<tag>` with attributes.
pub fn el(tag: &str, attrs: &[(&str, &str)]) -> Element {
    let e = document().create_element(tag).expect_throw("valid tag");
    for (name, value) in attrs {
        e.set_attribute(name, value).expect_throw("valid attribute");
    }
    e
}

/// Creates `<tag>` holding `text` as text.
pub fn text_el(tag: &str, attrs: &[(&str, &str)], text: &str) -> Element {
    let e = el(tag, attrs);
    e.set_text_content(Some(text));
    e
}

/// A `<button type="button">` with an id, a class and a label.
pub fn button(id: &str, class: &str, label: &str) -> Element {
    let b = text_el("button", &[("type", "button"), ("class", class)], label);
    if !id.is_empty() {
        b.set_attribute("id", id).ok();
    }
    b
}

/// Appends children to a parent and returns the parent.
pub fn append(parent: &Element, children: &[&Element]) -> Element {
    for child in children {
        parent.append_child(child).expect_throw("append");
    }
    parent.clone()
}

/// Runs `handler` on every `event` at `target`. The closure lives as long as the page.
pub fn on(target: &Element, event: &str, handler: impl FnMut(Event) + 'static) {
    let closure = Closure::<dyn FnMut(Event)>::new(handler);
    target
        .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
        .expect_throw("listener");
    closure.forget();
}

/// Runs `handler` on clicks (which are also Enter and Space on a focused button).
pub fn on_click(target: &Element, mut handler: impl FnMut() + 'static) {
    on(target, "click", move |_| handler());
}

/// Element by id.
pub fn by_id(id: &str) -> Option<Element> {
    document().get_element_by_id(id)
}

/// The value of an `<input>` (or `<select>`) found by id.
pub fn input_value(id: &str) -> String {
    let Some(e) = by_id(id) else {
        return String::new();
    };
    if let Some(i) = e.dyn_ref::<HtmlInputElement>() {
        return i.value();
    }
    if let Some(s) = e.dyn_ref::<web_sys::HtmlSelectElement>() {
        return s.value();
    }
    String::new()
}

/// Sets the value of an `<input>` found by id.
pub fn set_input_value(id: &str, value: &str) {
    if let Some(input) = by_id(id).and_then(|e| e.dyn_into::<HtmlInputElement>().ok()) {
        input.set_value(value);
    }
}

/// Whether a checkbox is checked.
pub fn checked(e: &Element) -> bool {
    e.dyn_ref::<HtmlInputElement>()
        .map(|i| i.checked())
        .unwrap_or(false)
}

/// Checks (or unchecks) a checkbox.
pub fn set_checked(e: &Element, checked: bool) {
    if let Some(i) = e.dyn_ref::<HtmlInputElement>() {
        i.set_checked(checked);
    }
}

/// Disables (or enables) a button.
pub fn set_disabled(e: &Element, disabled: bool) {
    if let Some(b) = e.dyn_ref::<HtmlButtonElement>() {
        b.set_disabled(disabled);
    } else if let Some(i) = e.dyn_ref::<HtmlInputElement>() {
        i.set_disabled(disabled);
    }
}

/// Moves keyboard focus to the element with this id, if present.
pub fn focus(id: &str) {
    if let Some(e) = by_id(id).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
        let _ = e.focus();
    }
}

/// The id of the focused element, if it has one.
fn focused_id() -> Option<String> {
    document()
        .active_element()
        .map(|e| e.id())
        .filter(|id| !id.is_empty())
}

/// Replaces the content of the element with this id. Keyboard focus stays on the element
/// with the same id in the new content, so a re-render never throws the keyboard user back to
/// the top of the page.
pub fn replace_content(id: &str, children: &[&Element]) -> Element {
    let keep = focused_id();
    let root = by_id(id).expect_throw("the page has its root element");
    root.set_text_content(None);
    let root = append(&root, children);
    if let Some(id) = keep {
        focus(&id);
    }
    root
}

/// Replaces the element with this id by `new` (which carries the same id), keeping focus.
/// Nothing happens when `new` looks the same: a button under the pointer is never swapped
/// between a press and its release.
pub fn replace_element(id: &str, new: &Element) {
    let keep = focused_id();
    if let Some(old) = by_id(id) {
        if old.outer_html() == new.outer_html() {
            return;
        }
        old.replace_with_with_node_1(new).ok();
    }
    if let Some(id) = keep {
        focus(&id);
    }
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let a = el("a", &[("href", &url), ("download", name), ("hidden", "")]);
    if let Some(body) = document().body() {
        body.append_child(&a).ok();
    }
    if let Some(a) = a.dyn_ref::<HtmlElement>() {
        a.click();
    }
    a.remove();
    let _ = web_sys::Url::revoke_object_url(&url);
}
