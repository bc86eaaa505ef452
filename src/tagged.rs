//! Reading the core's internally tagged enums — `{"phase": "reading", "read": 3}`,
//! `{"intent": "sign_in", "email": …}` — without serde's derived reader.
//!
//! Why: for `#[serde(tag = "…")]`, serde's derive reads the whole object into its private
//! `Content` buffer and then reads the variant again from that buffer, with code for both
//! steps generated once per enum, per variant and per deserializer: 57 KB of the worker's wasm
//! and 27 KB of the pages' (`twiggy`, 2026-12-06; README, *sizes*). Every variant of these enums
//! holds only scalars, so one bag of an object's entries ([`Fields`]: strings, integers,
//! booleans and nulls) is read once per deserializer, and each enum builds its variant from the
//! bag in plain, non-generic code.
//!
//! The JSON is the derive's: the enums keep their derived `Serialize` (the tag first, then the
//! fields), and the tests read back what it writes, through the core's JSON and through
//! `serde_json`. What the derive accepted is accepted (unknown fields are ignored unless the enum
//! says otherwise, a missing or `null` optional field is `None`); an object of more than
//! [`MAX_FIELDS`] entries, or one naming a field twice, is refused.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// The most entries an object read here may have: the largest variant has three fields and the
/// tag, so anything near this is not one of ours.
pub const MAX_FIELDS: usize = 16;

/// One entry's value.
#[derive(Debug)]
enum Scalar {
    Null,
    Bool(bool),
    Unsigned(u64),
    Negative(i64),
    Str(String),
}

impl Scalar {
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "a boolean",
            Scalar::Unsigned(_) | Scalar::Negative(_) => "a number",
            Scalar::Str(_) => "a string",
        }
    }
}

/// An object's entries, as read; the variant's builder takes them out by name.
#[derive(Debug)]
pub struct Fields {
    entries: Vec<(String, Scalar)>,
}

/// Reads a tagged enum's object and builds the value with `build` (the enum's own, non-generic
/// code). The one generic step per enum and deserializer is this call.
pub fn read<'de, D, T>(
    deserializer: D,
    build: fn(&mut Fields) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let mut fields = Fields::deserialize(deserializer)?;
    build(&mut fields).map_err(de::Error::custom)
}

/// `impl Deserialize` for tagged enums, each through its own `from_fields` ([`read`]).
macro_rules! deserialize_by_fields {
    ($($enum:ty),+ $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $enum {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::tagged::read(deserializer, <$enum>::from_fields)
            }
        }
    )+};
}
pub(crate) use deserialize_by_fields;

impl Fields {
    fn take(&mut self, name: &str) -> Option<Scalar> {
        let at = self.entries.iter().position(|(key, _)| key == name)?;
        Some(self.entries.swap_remove(at).1)
    }

    fn wrong(name: &str, wanted: &str, found: &Scalar) -> String {
        format!("field `{name}`: expected {wanted}, found {}", found.kind())
    }

    /// A field that must be there: `None` (missing, or `null`) is an error naming it.
    fn required<T>(name: &str, value: Option<T>) -> Result<T, String> {
        value.ok_or_else(|| format!("missing field `{name}`"))
    }

    /// The variant's name, under the tag `tag`.
    pub fn tag(&mut self, tag: &str) -> Result<String, String> {
        self.string(tag)
    }

    /// A required string.
    pub fn string(&mut self, name: &str) -> Result<String, String> {
        Fields::required(name, self.opt_string(name)?)
    }

    /// An optional string: missing or `null` is `None`.
    pub fn opt_string(&mut self, name: &str) -> Result<Option<String>, String> {
        match self.take(name) {
            None | Some(Scalar::Null) => Ok(None),
            Some(Scalar::Str(s)) => Ok(Some(s)),
            Some(other) => Err(Fields::wrong(name, "a string", &other)),
        }
    }

    /// A required boolean.
    pub fn bool(&mut self, name: &str) -> Result<bool, String> {
        match self.take(name) {
            Some(Scalar::Bool(b)) => Ok(b),
            None | Some(Scalar::Null) => Fields::required(name, None),
            Some(other) => Err(Fields::wrong(name, "a boolean", &other)),
        }
    }

    /// An optional whole number, in `T`'s range: missing or `null` is `None`.
    fn opt_integer<T: TryFrom<u64> + TryFrom<i64>>(
        &mut self,
        name: &str,
    ) -> Result<Option<T>, String> {
        let out_of_range = || format!("field `{name}`: the number is out of range");
        match self.take(name) {
            None | Some(Scalar::Null) => Ok(None),
            Some(Scalar::Unsigned(n)) => T::try_from(n).map(Some).map_err(|_| out_of_range()),
            Some(Scalar::Negative(n)) => T::try_from(n).map(Some).map_err(|_| out_of_range()),
            Some(other) => Err(Fields::wrong(name, "a whole number", &other)),
        }
    }

    /// An optional `u32`.
    pub fn opt_u32(&mut self, name: &str) -> Result<Option<u32>, String> {
        self.opt_integer(name)
    }

    /// A required `u32`.
    pub fn u32(&mut self, name: &str) -> Result<u32, String> {
        Fields::required(name, self.opt_u32(name)?)
    }

    /// A required `u64`.
    pub fn u64(&mut self, name: &str) -> Result<u64, String> {
        Fields::required(name, self.opt_integer(name)?)
    }

    /// A required `i64`.
    pub fn i64(&mut self, name: &str) -> Result<i64, String> {
        Fields::required(name, self.opt_integer(name)?)
    }

    /// For an enum that refuses unknown fields: every entry must have been taken.
    pub fn no_others(&self) -> Result<(), String> {
        match self.entries.first() {
            Some((key, _)) => Err(format!("unknown field `{key}`")),
            None => Ok(()),
        }
    }

    /// The error for a tag that names no variant.
    pub fn unknown_variant(tag: &str, variant: &str) -> String {
        format!("unknown {tag} `{variant}`")
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut entries: Vec<(String, Scalar)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if entries.len() == MAX_FIELDS {
                return Err(de::Error::custom("too many fields"));
            }
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            let value = map.next_value::<Scalar>()?;
            entries.push((key, value));
        }
        Ok(Fields { entries })
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, a whole number, a boolean or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Scalar, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(b))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Scalar, E> {
        Ok(Scalar::Unsigned(n))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Scalar, E> {
        Ok(match u64::try_from(n) {
            Ok(n) => Scalar::Unsigned(n),
            Err(_) => Scalar::Negative(n),
        })
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_json(text: &str) -> Result<Fields, crate::json::JsonError> {
        crate::json::from_str(text)
    }

    #[test]
    fn an_object_of_scalars_is_read_entry_by_entry() {
        let mut f = read_json(r#"{"t":"x","s":"é\n","n":7,"m":-3,"b":true,"z":null}"#).unwrap();
        assert_eq!(f.tag("t").unwrap(), "x");
        assert_eq!(f.string("s").unwrap(), "é\n");
        assert_eq!(f.u32("n").unwrap(), 7);
        assert_eq!(f.i64("m").unwrap(), -3);
        assert!(f.bool("b").unwrap());
        assert_eq!(f.opt_string("z").unwrap(), None);
        assert_eq!(f.opt_u32("absent").unwrap(), None);
        f.no_others().unwrap();
    }

    #[test]
    fn wrong_types_ranges_and_leftovers_are_named() {
        let mut f = read_json(r#"{"n":4294967296,"m":-1,"s":5,"t":1,"x":0}"#).unwrap();
        assert_eq!(
            f.u32("n").unwrap_err(),
            "field `n`: the number is out of range"
        );
        assert_eq!(
            f.u32("m").unwrap_err(),
            "field `m`: the number is out of range"
        );
        assert_eq!(
            f.string("s").unwrap_err(),
            "field `s`: expected a string, found a number"
        );
        assert_eq!(
            f.tag("t").unwrap_err(),
            "field `t`: expected a string, found a number"
        );
        assert_eq!(f.string("gone").unwrap_err(), "missing field `gone`");
        assert_eq!(f.no_others().unwrap_err(), "unknown field `x`");
    }

    #[test]
    fn nested_values_duplicates_and_oversized_objects_are_refused() {
        assert!(read_json(r#"{"a":[1]}"#).is_err());
        assert!(read_json(r#"{"a":{"b":1}}"#).is_err());
        // The core's JSON reads a fraction as null (it keeps none); serde_json's is refused.
        assert!(serde_json::from_str::<Fields>(r#"{"a":1.5}"#).is_err());
        assert!(read_json(r#""idle""#).is_err());
        let twice = read_json(r#"{"a":1,"a":2}"#).unwrap_err().to_string();
        assert!(twice.contains("duplicate field `a`"), "{twice}");
        let many = |n: usize| {
            let entries: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
            format!("{{{}}}", entries.join(","))
        };
        assert!(read_json(&many(MAX_FIELDS)).is_ok());
        let over = read_json(&many(MAX_FIELDS + 1)).unwrap_err().to_string();
        assert!(over.contains("too many fields"), "{over}");
    }

    #[test]
    fn serde_json_reads_the_same_bag() {
        let mut f: Fields = serde_json::from_str(r#"{"t":"x","n":3}"#).unwrap();
        assert_eq!(f.tag("t").unwrap(), "x");
        assert_eq!(f.u32("n").unwrap(), 3);
    }
}
