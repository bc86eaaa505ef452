//! Tiny DOM builders. Text always goes through `textContent`, never `innerHTML`, so names and
//! messages from the network can never become markup.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, HtmlElement, HtmlInputElement};

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

/// The value of an `<input>` found by id.
pub fn input_value(id: &str) -> String {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Sets the value of an `<input>` found by id.
pub fn set_input_value(id: &str, value: &str) {
    if let Some(input) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    {
        input.set_value(value);
    }
}

/// Moves keyboard focus to the element with this id, if present.
pub fn focus(id: &str) {
    if let Some(e) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = e.focus();
    }
}

/// Replaces the content of the element with this id.
pub fn replace_content(id: &str, children: &[&Element]) -> Element {
    let root = document()
        .get_element_by_id(id)
        .expect_throw("the page has its root element");
    root.set_text_content(None);
    append(&root, children)
}
