//! JSON text, the one format of the core: storage values, the backend's wire, the pages'
//! messages in the worker, LinkedIn's pages.
//!
//! Why not `serde_json`: in the worker's wasm its parser was monomorphised once per stored, sent
//! or received type — 130 KB of the bundle's 740 KB, more than any other part but the standard
//! library (README: Dependencies). Here the work that does not depend on the type is written
//! once, non-generic — reading a token, a string, a number, skipping a value, writing a string —
//! and what serde generates per type only calls it. The deserializer is self-describing (every
//! `deserialize_*` but options, enums, newtypes and ignored values goes through
//! `deserialize_any`), the serializer writes compact JSON like `serde_json::to_string`, and
//! [`Value`] is the untyped tree the LinkedIn readers look through.
//!
//! What it accepts is RFC 8259 JSON, as `serde_json` does: no trailing commas, no comments, no
//! control characters in strings, no lone surrogates; numbers that overflow `u64` / `i64` or
//! have a fraction or an exponent are read as a float whose value is not kept (nothing the core
//! reads has a fraction), so `1e999` is accepted where `serde_json` refuses it. The text written is read back the same by
//! `serde_json` (the server's parser), which the tests check on every type the extension
//! stores or sends.

use std::borrow::Cow;
use std::fmt::Display;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use thiserror::Error;

/// Why a text could not be read as the value wanted, or a value not written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JsonError {
    /// The text is not JSON: it breaks the grammar at this byte.
    #[error("not valid JSON ({what} at byte {at})")]
    Syntax { what: &'static str, at: usize },
    /// The text is JSON, but not of the shape the value needs (serde's message says how).
    #[error("unexpected JSON: {0}")]
    Shape(String),
}

impl de::Error for JsonError {
    fn custom<T: Display>(msg: T) -> Self {
        JsonError::Shape(msg.to_string())
    }

    // serde's own messages print the unexpected value, floats included; these say only what
    // kind it was, so float formatting stays out of the bundle.
    fn invalid_type(unexpected: de::Unexpected, _exp: &dyn de::Expected) -> Self {
        JsonError::Shape(format!("invalid type: {}", kind(&unexpected)))
    }

    fn invalid_value(unexpected: de::Unexpected, _exp: &dyn de::Expected) -> Self {
        JsonError::Shape(format!("invalid value: {}", kind(&unexpected)))
    }
}

impl ser::Error for JsonError {
    fn custom<T: Display>(msg: T) -> Self {
        JsonError::Shape(msg.to_string())
    }
}

/// What kind of value `unexpected` is, without the value.
fn kind<'a>(unexpected: &de::Unexpected<'a>) -> &'a str {
    use de::Unexpected as U;
    match unexpected {
        U::Bool(_) => "a boolean",
        U::Unsigned(_) | U::Signed(_) | U::Float(_) => "a number",
        U::Char(_) | U::Str(_) => "a string",
        U::Bytes(_) => "bytes",
        U::Unit => "null",
        U::Option => "an option",
        U::NewtypeStruct | U::NewtypeVariant => "a newtype",
        U::Seq => "an array",
        U::Map => "an object",
        U::Enum | U::UnitVariant | U::TupleVariant | U::StructVariant => "an enum",
        U::Other(what) => what,
    }
}

type Result<T, E = JsonError> = std::result::Result<T, E>;

/// Reads `text` (the whole of it, surrounding whitespace allowed) as a `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T> {
    from_str_borrowed(text)
}

/// As [`from_str`], for a `T` that may borrow strings without escapes from `text`.
pub fn from_str_borrowed<'de, T: de::Deserialize<'de>>(text: &'de str) -> Result<T> {
    let mut reader = Reader::new(text);
    let value = T::deserialize(&mut reader)?;
    reader.end()?;
    Ok(value)
}

/// `value` as compact JSON text.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut out = String::new();
    write_into(&mut out, value)?;
    Ok(out)
}

/// Appends `value` as compact JSON text to `out` (a buffer reused across values).
pub fn write_into<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<()> {
    value.serialize(Writer { out })
}

/// `value` as JSON text indented by two spaces, the layout of `serde_json::to_string_pretty`.
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    Ok(pretty(&to_string(value)?))
}

// --- reading --------------------------------------------------------------------------------

/// A cursor over JSON text. Everything here but the serde glue is non-generic.
pub struct Reader<'de> {
    text: &'de str,
    pos: usize,
    /// Arrays and objects open around the value being read, at most [`MAX_DEPTH`].
    depth: usize,
}

/// How deeply arrays and objects may nest in what is read (as `serde_json`'s limit): deeper
/// text is refused rather than allowed to exhaust the stack (a tree's drop recurses, and so
/// does a recursive type's deserialization).
pub const MAX_DEPTH: usize = 128;

/// The start of the next value.
enum Start<'de> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'de, str>),
    Array,
    Object,
}

impl<'de> Reader<'de> {
    fn new(text: &'de str) -> Self {
        Reader {
            text,
            pos: 0,
            depth: 0,
        }
    }

    fn bytes(&self) -> &'de [u8] {
        self.text.as_bytes()
    }

    fn fail<T>(&self, what: &'static str) -> Result<T> {
        Err(JsonError::Syntax { what, at: self.pos })
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.fail("trailing characters"),
        }
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Result<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail(what)
        }
    }

    fn literal(&mut self, word: &'static str) -> Result<()> {
        if self.bytes()[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            self.fail("unknown word")
        }
    }

    /// Reads the start of the next value: a scalar whole, or the opening of an array or object.
    fn start(&mut self) -> Result<Start<'de>> {
        let Some(b) = self.peek() else {
            return self.fail("end of text where a value was expected");
        };
        Ok(match b {
            b'n' => self.literal("null").map(|()| Start::Null)?,
            b't' => self.literal("true").map(|()| Start::Bool(true))?,
            b'f' => self.literal("false").map(|()| Start::Bool(false))?,
            b'"' => {
                self.pos += 1;
                Start::Str(self.string()?)
            }
            b'[' => {
                self.pos += 1;
                Start::Array
            }
            b'{' => {
                self.pos += 1;
                Start::Object
            }
            b'-' | b'0'..=b'9' => Start::Number(self.number()?),
            _ => return self.fail("unexpected character"),
        })
    }

    /// Whether an array or object (opened, `close` its closing byte) has another item; eats the
    /// comma before it.
    fn more(&mut self, first: &mut bool, close: u8) -> Result<bool> {
        match self.peek() {
            Some(b) if b == close => Ok(false),
            Some(b',') if !*first => {
                self.pos += 1;
                match self.peek() {
                    Some(b) if b == close => self.fail("trailing comma"),
                    _ => Ok(true),
                }
            }
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            Some(_) => self.fail("expected ',' or the end of the list"),
            None => self.fail("end of text inside a list"),
        }
    }

    /// An object's next key and its colon, `None` at its end.
    fn key(&mut self, first: &mut bool) -> Result<Option<Cow<'de, str>>> {
        if !self.more(first, b'}')? {
            return Ok(None);
        }
        self.expect(b'"', "expected a key")?;
        let key = self.string()?;
        self.expect(b':', "expected ':'")?;
        Ok(Some(key))
    }

    /// The rest of a string (its opening quote read): borrowed when it has no escapes.
    fn string(&mut self) -> Result<Cow<'de, str>> {
        let bytes = self.bytes();
        let start = self.pos;
        let i = string_end(bytes, start);
        match bytes.get(i) {
            Some(b'"') => {
                self.pos = i + 1;
                return Ok(Cow::Borrowed(&self.text[start..i]));
            }
            Some(b'\\') => {}
            Some(_) => {
                self.pos = i;
                return self.fail("control character in a string");
            }
            None => {
                self.pos = i;
                return self.fail("end of text inside a string");
            }
        }
        let mut owned = String::from(&self.text[start..i]);
        self.pos = i;
        loop {
            let Some(&b) = bytes.get(self.pos) else {
                return self.fail("end of text inside a string");
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(Cow::Owned(owned));
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&e) = bytes.get(self.pos) else {
                        return self.fail("end of text inside a string");
                    };
                    self.pos += 1;
                    owned.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return self.fail("invalid escape"),
                    });
                }
                0..=0x1f => return self.fail("control character in a string"),
                _ => {
                    // Copy the run up to the next quote or escape at once (valid UTF-8: it
                    // ends at an ASCII byte).
                    let run = self.pos;
                    self.pos = string_end(bytes, run);
                    owned.push_str(&self.text[run..self.pos]);
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let Some(digits) = self.bytes().get(self.pos..self.pos + 4) else {
            return self.fail("end of text inside an escape");
        };
        let mut n = 0;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return self.fail("invalid \\u escape"),
            };
            n = n * 16 + u32::from(v);
        }
        self.pos += 4;
        Ok(n)
    }

    fn unicode_escape(&mut self) -> Result<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.bytes()[self.pos..].starts_with(b"\\u") {
                    return self.fail("lone leading surrogate");
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return self.fail("invalid surrogate pair");
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return self.fail("lone trailing surrogate"),
            n => n,
        };
        char::from_u32(code).map_or_else(|| self.fail("invalid \\u escape"), Ok)
    }

    fn number(&mut self) -> Result<Number> {
        let bytes = self.bytes();
        let start = self.pos;
        let negative = bytes[start] == b'-';
        let mut i = start + usize::from(negative);
        let digits = i;
        let mut value: u64 = 0;
        let mut overflow = false;
        while let Some(&d @ b'0'..=b'9') = bytes.get(i) {
            match value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(d - b'0')))
            {
                Some(v) => value = v,
                None => overflow = true,
            }
            i += 1;
        }
        if i == digits || (bytes[digits] == b'0' && i > digits + 1) {
            self.pos = digits;
            return self.fail("invalid number");
        }
        let mut float = overflow;
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            let fraction = i;
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == fraction {
                self.pos = i;
                return self.fail("invalid number");
            }
            float = true;
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let exponent = i;
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == exponent {
                self.pos = i;
                return self.fail("invalid number");
            }
            float = true;
        }
        self.pos = i;
        if !float {
            if !negative {
                return Ok(Number::U(value));
            }
            if value <= i64::MAX as u64 + 1 {
                return Ok(Number::I((value as i64).wrapping_neg()));
            }
        }
        // The core reads no fractions: not converting them keeps the float parser (and its
        // 10 KB of tables) out of the bundle.
        Ok(Number::Float)
    }

    /// Skips one value without keeping anything of it (nor allocating). Nesting is counted in
    /// a bit set, not recursed into, and limited like any other read ([`MAX_DEPTH`]).
    fn skip(&mut self) -> Result<()> {
        // Bit `n` of `objects`: whether the container open at depth `n` is an object.
        let mut objects: u128 = 0;
        let mut depth = 0usize;
        let room = MAX_DEPTH - self.depth;
        loop {
            // A value is due.
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    self.skip_string()?;
                }
                Some(open @ (b'[' | b'{')) => {
                    if depth == room {
                        return self.fail("nested too deeply");
                    }
                    self.pos += 1;
                    let close = if open == b'[' { b']' } else { b'}' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                    } else {
                        let object = open == b'{';
                        objects = (objects & !(1 << depth)) | (u128::from(object) << depth);
                        depth += 1;
                        if object {
                            self.skip_key()?;
                        }
                        continue;
                    }
                }
                _ => {
                    self.start()?;
                }
            }
            // After a value: a comma and the next item, or the ends of containers.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let object = objects & (1 << (depth - 1)) != 0;
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if object {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(b']') if !object => {
                        self.pos += 1;
                        depth -= 1;
                    }
                    Some(b'}') if object => {
                        self.pos += 1;
                        depth -= 1;
                    }
                    _ => return self.fail("expected ',' or the end of the list"),
                }
            }
        }
    }

    fn skip_key(&mut self) -> Result<()> {
        self.expect(b'"', "expected a key")?;
        self.skip_string()?;
        self.expect(b':', "expected ':'")
    }

    fn skip_string(&mut self) -> Result<()> {
        let bytes = self.bytes();
        loop {
            self.pos = string_end(bytes, self.pos);
            match bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match bytes.get(self.pos) {
                        Some(b'u') => {
                            self.pos += 1;
                            self.hex4()?;
                        }
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1
                        }
                        _ => return self.fail("invalid escape"),
                    }
                }
                Some(_) => return self.fail("control character in a string"),
                None => return self.fail("end of text inside a string"),
            }
        }
    }

    /// Reads one whole value as a tree.
    pub fn value(&mut self) -> Result<Value> {
        // Open containers and, for objects, the key their next value goes under.
        enum Open {
            Array(Vec<Value>),
            Object(Vec<(String, Value)>, String),
        }
        let mut stack: Vec<Open> = Vec::new();
        loop {
            let mut value = match self.start()? {
                Start::Null => Value::Null,
                Start::Bool(b) => Value::Bool(b),
                Start::Number(n) => Value::Number(n),
                Start::Str(s) => Value::String(s.into_owned()),
                Start::Array | Start::Object if stack.len() == MAX_DEPTH => {
                    return self.fail("nested too deeply");
                }
                Start::Array => {
                    if self.more(&mut true, b']')? {
                        stack.push(Open::Array(Vec::new()));
                        continue;
                    }
                    self.pos += 1;
                    Value::Array(Vec::new())
                }
                Start::Object => match self.key(&mut true)? {
                    Some(key) => {
                        stack.push(Open::Object(Vec::new(), key.into_owned()));
                        continue;
                    }
                    None => {
                        self.pos += 1;
                        Value::Object(Vec::new())
                    }
                },
            };
            // Put the value in its container; close the containers that end here.
            loop {
                match stack.last_mut() {
                    None => return Ok(value),
                    Some(Open::Array(items)) => {
                        items.push(value);
                        if self.more(&mut false, b']')? {
                            break;
                        }
                    }
                    Some(Open::Object(entries, key)) => {
                        entries.push((std::mem::take(key), value));
                        if let Some(next) = self.key(&mut false)? {
                            *key = next.into_owned();
                            break;
                        }
                    }
                }
                self.pos += 1;
                value = match stack.pop() {
                    Some(Open::Array(items)) => Value::Array(items),
                    Some(Open::Object(entries, _)) => Value::Object(entries),
                    None => unreachable!("the stack was not empty"),
                };
            }
        }
    }
}

/// Where the run of plain string bytes from `from` ends: the index of the first quote,
/// backslash or control character, or the end of `bytes`. Eight bytes at a time (LinkedIn's
/// pages are mostly strings): a byte-at-a-time loop made the dash reader slower than with
/// serde_json, which scans the same way.
fn string_end(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let word = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        // A byte's high bit is set in `zero(x)` where x's byte is 0 (the lowest such byte is
        // exact, which is the one wanted); `word - 0x20…` borrows where a byte is below 0x20.
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
        let found = zero(word ^ (ONES * u64::from(b'"')))
            | zero(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGH);
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

/// Reads a whole text as a [`Value`].
pub fn parse(text: &str) -> Result<Value> {
    let mut reader = Reader::new(text);
    let value = reader.value()?;
    reader.end()?;
    Ok(value)
}

fn visit_str<'de, V: Visitor<'de>>(s: Cow<'de, str>, visitor: V) -> Result<V::Value> {
    match s {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_string(s),
    }
}

fn visit_number<'de, V: Visitor<'de>>(n: Number, visitor: V) -> Result<V::Value> {
    match n {
        Number::U(u) => visitor.visit_u64(u),
        Number::I(i) => visitor.visit_i64(i),
        // A fraction reads as nothing (the core keeps none).
        Number::Float => visitor.visit_unit(),
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            Start::Null => visitor.visit_unit(),
            Start::Bool(b) => visitor.visit_bool(b),
            Start::Number(n) => visit_number(n, visitor),
            Start::Str(s) => visit_str(s, visitor),
            Start::Array => {
                self.enter()?;
                let value = visitor.visit_seq(Items {
                    reader: &mut *self,
                    first: true,
                })?;
                self.leave(b']').map(|()| value)
            }
            Start::Object => {
                self.enter()?;
                let value = visitor.visit_map(Entries {
                    reader: &mut *self,
                    first: true,
                })?;
                self.leave(b'}').map(|()| value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.start()? {
            Start::Str(s) => visitor.visit_enum(s.into_deserializer()),
            Start::Object => {
                let mut first = true;
                let Some(variant) = self.key(&mut first)? else {
                    return self.fail("expected an enum's variant");
                };
                self.enter()?;
                let value = visitor.visit_enum(Variant {
                    reader: &mut *self,
                    variant,
                })?;
                self.leave(b'}').map(|()| value)
            }
            _ => Err(JsonError::Shape("invalid type: expected an enum".into())),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip()?;
        visitor.visit_unit()
    }

    // Each typed read calls only the visitor method of the JSON type it wants, and anything
    // else is one non-generic error: a derived type's code then holds only what it reads.
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            Start::Bool(b) => visitor.visit_bool(b),
            other => Err(self.unexpected(other, "a boolean")),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            Start::Number(Number::U(u)) => visitor.visit_u64(u),
            other => Err(self.unexpected(other, "an unsigned integer")),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            Start::Number(Number::U(u)) => visitor.visit_u64(u),
            Start::Number(Number::I(i)) => visitor.visit_i64(i),
            other => Err(self.unexpected(other, "an integer")),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            Start::Number(Number::U(u)) => visitor.visit_f64(u as f64),
            Start::Number(Number::I(i)) => visitor.visit_f64(i as f64),
            other => Err(self.unexpected(other, "an integral number")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            Start::Str(s) => visit_str(s, visitor),
            other => Err(self.unexpected(other, "a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            Start::Str(s) => visitor.visit_string(s.into_owned()),
            other => Err(self.unexpected(other, "a string")),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            Start::Null => visitor.visit_unit(),
            other => Err(self.unexpected(other, "null")),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            Start::Array => {
                self.enter()?;
                let value = visitor.visit_seq(Items {
                    reader: &mut *self,
                    first: true,
                })?;
                self.leave(b']').map(|()| value)
            }
            other => Err(self.unexpected(other, "an array")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.start()? {
            Start::Object => {
                self.enter()?;
                let value = visitor.visit_map(Entries {
                    reader: &mut *self,
                    first: true,
                })?;
                self.leave(b'}').map(|()| value)
            }
            other => Err(self.unexpected(other, "an object")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 bytes byte_buf
    }
}

impl Reader<'_> {
    /// The error for a value of another JSON type than `wanted` (an array or object skipped,
    /// so the error names where the value began).
    fn unexpected(&mut self, found: Start, wanted: &'static str) -> JsonError {
        let found = match found {
            Start::Null => "null",
            Start::Bool(_) => "a boolean",
            Start::Number(Number::Float) => "a fractional number",
            Start::Number(Number::I(_)) => "a negative integer",
            Start::Number(Number::U(_)) => "an integer",
            Start::Str(_) => "a string",
            Start::Array => "an array",
            Start::Object => "an object",
        };
        JsonError::Shape(format!("invalid type: {found}, expected {wanted}"))
    }

    fn enter(&mut self) -> Result<()> {
        if self.depth == MAX_DEPTH {
            return self.fail("nested too deeply");
        }
        self.depth += 1;
        Ok(())
    }

    /// The end of an array or object whose items the visitor read: any it left are an error.
    fn leave(&mut self, close: u8) -> Result<()> {
        self.depth -= 1;
        if self.peek() == Some(close) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail("more items than expected")
        }
    }
}

struct Items<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = JsonError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.reader.more(&mut self.first, b']')? {
            seed.deserialize(&mut *self.reader).map(Some)
        } else {
            Ok(None)
        }
    }
}

struct Entries<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for Entries<'_, 'de> {
    type Error = JsonError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.reader.key(&mut self.first)? {
            Some(key) => seed.deserialize(Key(key)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.reader)
    }
}

/// An object's key: a string, or (for maps keyed by numbers) the number it spells.
struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    fn number(&self) -> Result<Number> {
        let mut reader = Reader::new(&self.0);
        if reader.peek() != Some(b'-') && !reader.peek().is_some_and(|b| b.is_ascii_digit()) {
            return Err(JsonError::Shape("expected a number as the key".into()));
        }
        let n = reader.number()?;
        reader.end()?;
        Ok(n)
    }
}

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visit_str(self.0, visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visit_number(self.number()?, visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visit_number(self.number()?, visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visit_number(self.number()?, visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visit_number(self.number()?, visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_str(&self.0)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_string(self.0.into_owned())
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i128 u8 u16 u128 f32 f64 char str bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct ignored_any
    }
}

/// `{"variant": value}`: an enum with data, its key read.
struct Variant<'a, 'de> {
    reader: &'a mut Reader<'de>,
    variant: Cow<'de, str>,
}

impl<'a, 'de> de::EnumAccess<'de> for Variant<'a, 'de> {
    type Error = JsonError;
    type Variant = &'a mut Reader<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant)> {
        let variant = seed.deserialize(Key(self.variant))?;
        Ok((variant, self.reader))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Reader<'de> {
    type Error = JsonError;

    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

// --- the tree -------------------------------------------------------------------------------

/// A JSON number as read: an integer that fits, else a float, whose value is not kept (the
/// core stores, sends and reads no fractions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    /// A non-negative integer.
    U(u64),
    /// A negative integer.
    I(i64),
    /// A fraction, an exponent, or an integer beyond 64 bits.
    Float,
}

/// A JSON value, for text whose shape is not known in advance (LinkedIn's pages). An object
/// keeps its entries in order; a repeated key is found at its last value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    /// An object's value at `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|e| &e.1),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// An integer that is not negative.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(Number::U(u)) => Some(*u),
            _ => None,
        }
    }

    /// An integer that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(Number::U(u)) => i64::try_from(*u).ok(),
            Value::Number(Number::I(i)) => Some(*i),
            _ => None,
        }
    }
}

impl Serialize for Value {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(Number::U(u)) => serializer.serialize_u64(*u),
            Value::Number(Number::I(i)) => serializer.serialize_i64(*i),
            Value::Number(Number::Float) => {
                Err(ser::Error::custom("a fractional number cannot be written"))
            }
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

// --- writing --------------------------------------------------------------------------------

/// Writes `s` as a JSON string, escaping what JSON requires (as `serde_json` does).
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// Writes an integer in decimal, without the formatting machinery.
fn write_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

fn write_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    write_u64(out, n.unsigned_abs());
}

/// The serializer: compact JSON into `out`.
struct Writer<'a> {
    out: &'a mut String,
}

/// An array or object being written: whether an item was written yet.
struct Compound<'a> {
    out: &'a mut String,
    first: bool,
    /// `}` to write after the closing bracket (an enum variant's wrapper object).
    wrapped: bool,
}

impl<'a> Compound<'a> {
    fn open(out: &'a mut String, bracket: char, wrapped: bool) -> Self {
        out.push(bracket);
        Compound {
            out,
            first: true,
            wrapped,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }

    fn close(self, bracket: char) {
        self.out.push(bracket);
        if self.wrapped {
            self.out.push('}');
        }
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.comma();
        value.serialize(Writer { out: self.out })
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<()> {
        self.comma();
        write_str(self.out, key);
        self.out.push(':');
        value.serialize(Writer { out: self.out })
    }
}

/// Opens `{"variant":` for an enum variant with data.
fn open_variant(out: &mut String, variant: &str) {
    out.push('{');
    write_str(out, variant);
    out.push(':');
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = JsonError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        write_i64(self.out, v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        write_u64(self.out, v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        // The core stores and sends no fractions; an integral float is written as its integer,
        // anything else (which serde_json would write with a fraction) is refused.
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
            write_i64(self.out, v as i64);
            Ok(())
        } else {
            Err(JsonError::Shape(
                "a fractional number cannot be written".into(),
            ))
        }
    }
    fn serialize_char(self, v: char) -> Result<()> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        let mut list = Compound::open(self.out, '[', false);
        for b in v {
            list.comma();
            write_u64(list.out, u64::from(*b));
        }
        list.close(']');
        Ok(())
    }
    fn serialize_none(self) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        open_variant(self.out, variant);
        value.serialize(Writer { out: self.out })?;
        self.out.push('}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>> {
        Ok(Compound::open(self.out, '[', false))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>> {
        Ok(Compound::open(self.out, '[', false))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a>> {
        Ok(Compound::open(self.out, '[', false))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>> {
        open_variant(self.out, variant);
        Ok(Compound::open(self.out, '[', true))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>> {
        Ok(Compound::open(self.out, '{', false))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a>> {
        Ok(Compound::open(self.out, '{', false))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>> {
        open_variant(self.out, variant);
        Ok(Compound::open(self.out, '{', true))
    }
}

macro_rules! compound_items {
    ($($trait:ident :: $method:ident, $close:literal;)*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = JsonError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.item(value)
            }
            fn end(self) -> Result<()> {
                self.close($close);
                Ok(())
            }
        }
    )*};
}

compound_items! {
    SerializeSeq::serialize_element, ']';
    SerializeTuple::serialize_element, ']';
    SerializeTupleStruct::serialize_field, ']';
    SerializeTupleVariant::serialize_field, ']';
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        // A key is a string; a number or a boolean is written quoted (as serde_json does).
        self.comma();
        let at = self.out.len();
        key.serialize(Writer { out: self.out })?;
        if !self.out[at..].starts_with('"') {
            if self.out[at..].starts_with(['[', '{', 'n']) {
                return Err(JsonError::Shape("an object's key must be a string".into()));
            }
            self.out.insert(at, '"');
            self.out.push('"');
        }
        self.out.push(':');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(Writer { out: self.out })
    }

    fn end(self) -> Result<()> {
        self.close('}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.close('}');
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.close('}');
        Ok(())
    }
}

/// Compact JSON (as [`to_string`] writes it) laid out as `serde_json::to_string_pretty` does:
/// one item a line, indented by two spaces, `": "` after keys, empty lists kept as `[]`/`{}`.
fn pretty(compact: &str) -> String {
    let bytes = compact.as_bytes();
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                let start = i;
                i += 1;
                while bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                out.push_str(&compact[start..=i]);
            }
            b'[' | b'{' => {
                let close = if b == b'[' { b']' } else { b'}' };
                out.push(char::from(b));
                if bytes.get(i + 1) == Some(&close) {
                    out.push(char::from(close));
                    i += 1;
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            b']' | b'}' => {
                depth -= 1;
                newline(&mut out, depth);
                out.push(char::from(b));
            }
            b',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            b':' => out.push_str(": "),
            _ => {
                let start = i;
                while i + 1 < bytes.len() && !b",]}".contains(&bytes[i + 1]) {
                    i += 1;
                }
                out.push_str(&compact[start..=i]);
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use std::collections::{BTreeMap, HashMap};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Dot,
        Line(u32),
        Pair(u8, u8),
        Box { w: u32, h: u32 },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged {
        One { n: i64 },
        Two,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct All {
        s: String,
        n: i64,
        u: u64,
        b: bool,
        o: Option<String>,
        #[serde(default)]
        missing: Option<u32>,
        list: Vec<Shape>,
        tagged: Vec<Tagged>,
        by_id: BTreeMap<i64, String>,
        names: HashMap<String, u32>,
        unit: (),
    }

    fn all() -> All {
        All {
            s: "a \"quoted\" \\ line\nwith\ttabs, \u{1} and é, 𝄞".into(),
            n: i64::MIN,
            u: u64::MAX,
            b: true,
            o: None,
            missing: None,
            list: vec![
                Shape::Dot,
                Shape::Line(7),
                Shape::Pair(1, 2),
                Shape::Box { w: 3, h: 4 },
            ],
            tagged: vec![Tagged::One { n: -5 }, Tagged::Two],
            by_id: [(-1, "minus".to_string()), (42, "answer".into())].into(),
            names: [("x".to_string(), 1)].into(),
            unit: (),
        }
    }

    #[test]
    fn writes_what_serde_json_writes_and_reads_it_back() {
        let value = all();
        let ours = to_string(&value).unwrap();
        // BTreeMap and a one-entry HashMap: the same order both ways, so the same text.
        assert_eq!(ours, serde_json::to_string(&value).unwrap());
        assert_eq!(from_str::<All>(&ours).unwrap(), value);
        assert_eq!(
            to_string_pretty(&value).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
        let empty: (Vec<u8>, BTreeMap<String, u8>, Vec<Vec<u8>>) =
            (vec![], BTreeMap::new(), vec![vec![]]);
        assert_eq!(
            to_string_pretty(&empty).unwrap(),
            serde_json::to_string_pretty(&empty).unwrap()
        );
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = serde_json::to_string_pretty(&all()).unwrap();
        assert_eq!(from_str::<All>(&text).unwrap(), all());
        let escaped = r#"{"s":"\u00e9\ud834\udd1e\/\b\f","n":-0,"u":0,"b":false,"o":"x",
            "list":[],"tagged":[],"by_id":{},"names":{},"unit":null,"other":[1,{"a":[]}]}"#;
        let serde: serde_json::Value = serde_json::from_str(escaped).unwrap();
        #[derive(Deserialize, Debug, PartialEq)]
        struct Some {
            s: String,
            n: i64,
            o: Option<String>,
        }
        let ours: Some = from_str(escaped).unwrap();
        assert_eq!(ours.s, serde["s"].as_str().unwrap());
        assert_eq!((ours.n, ours.o.as_deref()), (0, Some("x")));
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "01",
            "1.",
            "-",
            "1e",
            "\"\u{1}\"",
            "\"\\x\"",
            "tru",
            "nul",
            "[1]]",
            "{} {}",
            "\"abc",
            "[\"a\\",
            "+1",
            ".5",
            "[01]",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
            assert!(
                serde_json::from_str::<serde_json::Value>(bad).is_err(),
                "{bad:?}"
            );
            assert!(from_str::<de::IgnoredAny>(bad).is_err(), "{bad:?} skipped");
        }
        // Lone surrogates: refused as a string, passed over when skipped (as serde_json does).
        for bad in ["\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\""] {
            assert!(from_str::<String>(bad).is_err(), "{bad:?} read");
            assert!(serde_json::from_str::<String>(bad).is_err(), "{bad:?}");
        }
        #[derive(Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Strict {
            a: u8,
        }
        assert!(from_str::<Strict>(r#"{"a":1,"b":2}"#).is_err());
        assert!(from_str::<Strict>(r#"{"a":256}"#).is_err());
        assert!(from_str::<Strict>(r#"{"a":"1"}"#).is_err());
        assert!(from_str::<(u8, u8)>("[1,2,3]").is_err());
    }

    #[test]
    fn the_tree_and_skipping_agree_with_serde_json() {
        let text = r#" {"a": [1, -2, 3.5, 1e2, 18446744073709551616, true, null, "s\"t"],
            "b": {"c": {}, "d": [], "e": [[], {}], "k": "v", "k": "last"}, "z": -9223372036854775808} "#;
        let ours = parse(text).unwrap();
        let serde: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours.get("a").unwrap().as_array().unwrap().len(), 8);
        assert_eq!(
            ours.get("a").unwrap().as_array().unwrap()[1].as_i64(),
            Some(-2)
        );
        assert_eq!(
            ours.get("a").unwrap().as_array().unwrap()[0].as_u64(),
            Some(1)
        );
        assert_eq!(ours.get("a").unwrap().as_array().unwrap()[2].as_u64(), None);
        assert_eq!(ours.get("z").unwrap().as_i64(), serde["z"].as_i64());
        assert_eq!(
            ours.get("b").unwrap().get("k").unwrap().as_str(),
            Some("last")
        );
        assert_eq!(serde["b"]["k"], "last");
        assert_eq!(
            ours.get("a").unwrap().as_array().unwrap()[7].as_str(),
            Some("s\"t")
        );
        // Skipping reads past exactly one value.
        #[derive(Deserialize)]
        struct Pick {
            z: i64,
        }
        assert_eq!(from_str::<Pick>(text).unwrap().z, i64::MIN);
        // Nesting: up to serde_json's limit in a tree or a typed value, refused deeper (never a
        // stack overflow); a skipped value counts its depth without recursing or allocating.
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        assert!(parse(&nested(MAX_DEPTH + 1)).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(&nested(MAX_DEPTH + 1)).is_err());
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct Deep(Vec<Deep>);
        assert!(from_str::<Deep>(&nested(MAX_DEPTH)).is_ok());
        assert!(from_str::<Deep>(&nested(100_000)).is_err());
        assert!(from_str::<de::IgnoredAny>(&nested(MAX_DEPTH)).is_ok());
        assert!(from_str::<de::IgnoredAny>(&nested(100_000)).is_err());
        let deep_objects = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        assert!(from_str::<de::IgnoredAny>(&deep_objects(MAX_DEPTH)).is_ok());
        assert!(from_str::<de::IgnoredAny>(&deep_objects(MAX_DEPTH + 1)).is_err());
        assert!(parse(&deep_objects(50_000)).is_err());
        // A skipped value counts from the depth it is at: 2 levels inside, 127 more are too many.
        #[derive(Deserialize)]
        struct Skips {
            #[serde(rename = "a")]
            _a: Vec<de::IgnoredAny>,
        }
        let inside = |n: usize| format!("{{\"a\":[{}]}}", nested(n));
        assert!(from_str::<Skips>(&inside(MAX_DEPTH - 2)).is_ok());
        assert!(from_str::<Skips>(&inside(MAX_DEPTH - 1)).is_err());
    }

    #[test]
    fn the_string_scan_finds_the_first_quote_backslash_or_control_byte() {
        let naive = |bytes: &[u8], from: usize| {
            (from..bytes.len())
                .find(|&i| matches!(bytes[i], b'"' | b'\\' | 0..=0x1f))
                .unwrap_or(bytes.len())
        };
        let text = "abcdefgh\u{e9}\u{1f600}ijklmnopq\"rs\\tuvw\u{1}xyz\u{7f}\u{80}!\"#0123456789";
        let bytes = text.as_bytes();
        for stop in [b'"', b'\\', b'\n', 0x1f, 0x00] {
            for at in 0..bytes.len() {
                let mut b = bytes.to_vec();
                b[at] = stop;
                for from in 0..=at {
                    assert_eq!(
                        string_end(&b, from),
                        naive(&b, from),
                        "{stop} at {at} from {from}"
                    );
                }
            }
        }
        for from in 0..=bytes.len() {
            assert_eq!(string_end(bytes, from), naive(bytes, from));
        }
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        #[derive(Deserialize)]
        struct B<'a> {
            #[serde(borrow)]
            s: Cow<'a, str>,
        }
        let text = r#"{"s":"plain"}"#;
        let b: B = from_str_borrowed(text).unwrap();
        assert!(matches!(b.s, Cow::Borrowed("plain")));
    }
}
