//! The dash page read straight into the few fields the reader follows, for speed: a read of
//! 30,000 connections is 750 pages (38 MB of JSON), and building a `json::Value` tree of
//! every object and key was most of the time. Strings are borrowed from the body when they
//! have no escapes; every field nobody reads is skipped without being built.
//!
//! The rules are exactly those of [`super::dash::parse_value`] (which the inspect command and
//! the either-shape reader still use): a missing field, or one of an unexpected type, is a
//! missing value, never an error; a repeated key keeps its last value; the equivalence is
//! tested on every fixture, the synthetic pages and their truncations.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{contact_from_profile, urn_id, Page, PageError};
use crate::contacts::ContactRecord;
use crate::sync::BuildKeyHasher;

/// Consumes whatever a visitor was not interested in.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the visitor methods of a type that keeps nothing from a value of another JSON
/// type than the one it wants (`$ignored` is what it becomes then).
macro_rules! ignore_other_types {
    ($ignored:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($ignored)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($ignored)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($ignored)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($ignored)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($ignored)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($ignored)
        }
    };
}

/// A JSON string (as `Value::as_str` sees it); any other value is `None`.
#[derive(Debug, Default)]
struct Str<'a>(Option<Cow<'a, str>>);

impl Str<'_> {
    fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// As `text()`: trimmed, `None` when blank.
    fn text(&self) -> Option<String> {
        self.get()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }
}

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Some(Cow::Owned(v))))
            }
            ignore_other_types!(Str(None));
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                skip_seq(seq).map(|()| Str(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                skip_map(map).map(|()| Str(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON number kept as `Value` keeps it (without arbitrary precision): an integer that is
/// not negative is a `u64`, a negative one an `i64`; a float or anything else is `None`.
#[derive(Debug, Default, Clone, Copy)]
enum Num {
    #[default]
    None,
    U(u64),
    I(i64),
}

impl Num {
    fn as_i64(self) -> Option<i64> {
        match self {
            Num::U(u) => i64::try_from(u).ok(),
            Num::I(i) => Some(i),
            Num::None => None,
        }
    }

    fn as_u64(self) -> Option<u64> {
        match self {
            Num::U(u) => Some(u),
            Num::I(i) => u64::try_from(i).ok(),
            Num::None => None,
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
                Ok(Num::U(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
                Ok(if v < 0 { Num::I(v) } else { Num::U(v as u64) })
            }
            fn visit_f64<E>(self, _: f64) -> Result<Num, E> {
                Ok(Num::None)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Num, E> {
                Ok(Num::None)
            }
            fn visit_unit<E>(self) -> Result<Num, E> {
                Ok(Num::None)
            }
            fn visit_none<E>(self) -> Result<Num, E> {
                Ok(Num::None)
            }
            fn visit_str<E>(self, _: &str) -> Result<Num, E> {
                Ok(Num::None)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Num, A::Error> {
                skip_seq(seq).map(|()| Num::None)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Num, A::Error> {
                skip_map(map).map(|()| Num::None)
            }
        }
        d.deserialize_any(V)
    }
}

/// A field that was present, whatever its value (`Value::get` is `Some` even for `null`;
/// serde's `Option` would read `null` as absent).
struct Present<T>(Option<T>);

impl<T> Default for Present<T> {
    fn default() -> Self {
        Present(None)
    }
}

impl<T: fmt::Debug> fmt::Debug for Present<T> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Present<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|t| Present(Some(t)))
    }
}

/// `vectorImage`: `rootUrl` and the artifacts (when `artifacts` is a list).
#[derive(Debug, Default)]
struct VectorImage<'a> {
    root_url: Str<'a>,
    artifacts: List<Artifact<'a>>,
}

#[derive(Debug, Default)]
struct Artifact<'a> {
    width: Num,
    segment: Str<'a>,
}

/// A list when the value is one (`Value::as_array`), else `None`.
struct List<T>(Option<Vec<T>>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(List(Some(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                skip_map(map).map(|()| List(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(List(None))
            }
            ignore_other_types!(List(None));
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Declares a struct read from a JSON object by key, `Default` for anything else. Each field
/// names its JSON key and its type; other keys are skipped; a repeated key keeps the last.
macro_rules! json_object {
    ($name:ident { $($field:ident : $ty:ty = $key:literal),* $(,)? }) => {
        impl<'de> Deserialize<'de> for $name<'de> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name<'de>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("any JSON value")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                        let mut out = $name::default();
                        out.set_object();
                        while let Some(key) = map.next_key::<Str<'de>>()? {
                            match key.get().unwrap_or("") {
                                $($key => out.$field = map.next_value::<$ty>()?,)*
                                _ => {
                                    map.next_value::<IgnoredAny>()?;
                                }
                            }
                        }
                        Ok(out)
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                        skip_seq(seq).map(|()| $name::default())
                    }
                    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                        Ok($name::default())
                    }
                    ignore_other_types!($name::default());
                }
                d.deserialize_any(V)
            }
        }
    };
}

trait SetObject {
    fn set_object(&mut self) {}
}

impl SetObject for VectorImage<'_> {}
impl SetObject for Artifact<'_> {}

json_object!(VectorImage {
    root_url: Str<'de> = "rootUrl",
    artifacts: List<Artifact<'de>> = "artifacts",
});

json_object!(Artifact {
    width: Num = "width",
    segment: Str<'de> = "fileIdentifyingUrlPathSegment",
});

/// `displayImageReference` / `displayImageWithFrameReferenceUnion`: only `vectorImage`.
#[derive(Debug, Default)]
struct ImageReference<'a> {
    vector_image: Present<VectorImage<'a>>,
}
impl SetObject for ImageReference<'_> {}
json_object!(ImageReference {
    vector_image: Present<VectorImage<'de>> = "vectorImage",
});

#[derive(Debug, Default)]
struct Picture<'a> {
    display: Present<ImageReference<'a>>,
    with_frame: Present<ImageReference<'a>>,
}
impl SetObject for Picture<'_> {}
json_object!(Picture {
    display: Present<ImageReference<'de>> = "displayImageReference",
    with_frame: Present<ImageReference<'de>> = "displayImageWithFrameReferenceUnion",
});

/// Any entity the reader may follow: a Connection, a Profile, or an inlined one.
#[derive(Debug, Default)]
struct Entity<'a> {
    is_object: bool,
    entity_urn: Str<'a>,
    connected_member: Str<'a>,
    connected_member_star: Str<'a>,
    resolution: Present<Box<Entity<'a>>>,
    created_at: Num,
    public_identifier: Str<'a>,
    first_name: Str<'a>,
    last_name: Str<'a>,
    headline: Str<'a>,
    picture: Present<Picture<'a>>,
}

impl SetObject for Entity<'_> {
    fn set_object(&mut self) {
        self.is_object = true;
    }
}

json_object!(Entity {
    entity_urn: Str<'de> = "entityUrn",
    connected_member: Str<'de> = "connectedMember",
    connected_member_star: Str<'de> = "*connectedMemberResolutionResult",
    resolution: Present<Box<Entity<'de>>> = "connectedMemberResolutionResult",
    created_at: Num = "createdAt",
    public_identifier: Str<'de> = "publicIdentifier",
    first_name: Str<'de> = "firstName",
    last_name: Str<'de> = "lastName",
    headline: Str<'de> = "headline",
    picture: Present<Picture<'de>> = "profilePicture",
});

/// An entry of `data.*elements`: usually a URN string, possibly an inlined entity.
#[derive(Debug)]
enum Element<'a> {
    Urn(Cow<'a, str>),
    Object(Box<Entity<'a>>),
    Other,
}

impl<'de> Deserialize<'de> for Element<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Element<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Element::Urn(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Element::Urn(Cow::Owned(v.to_string())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Entity::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|e| Element::Object(Box::new(e)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                skip_seq(seq).map(|()| Element::Other)
            }
            ignore_other_types!(Element::Other);
        }
        d.deserialize_any(V)
    }
}

/// `data`: which list it has. `*elements` wins when present, whatever it holds.
#[derive(Debug, Default)]
struct Data<'a> {
    star_elements: Present<List<Element<'a>>>,
    elements: Present<List<Element<'a>>>,
}
impl SetObject for Data<'_> {}
json_object!(Data {
    star_elements: Present<List<Element<'de>>> = "*elements",
    elements: Present<List<Element<'de>>> = "elements",
});

#[derive(Debug, Default)]
struct Body<'a> {
    data: Present<Data<'a>>,
    included: List<Entity<'a>>,
}
impl SetObject for Body<'_> {}
json_object!(Body {
    data: Present<Data<'de>> = "data",
    included: List<Entity<'de>> = "included",
});

impl<T: fmt::Debug> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Parses a dash page (the text, already checked not to be HTML).
pub(super) fn parse_text(text: &str) -> Result<Page, PageError> {
    let body: Body =
        crate::json::from_str_borrowed(text).map_err(|e| PageError::NotJson(e.to_string()))?;
    let data = body
        .data
        .0
        .ok_or_else(|| PageError::Shape("no \"data\" object".into()))?;
    let elements = match data.star_elements.0.or(data.elements.0) {
        Some(List(Some(list))) => list,
        _ => return Err(PageError::Shape("no \"data.*elements\" list".into())),
    };
    let included = body.included.0.unwrap_or_default();
    // A page's 80 or so URNs, hashed a word at a time (SipHash and the map's growth were about
    // 5 % of a page's parse, natively).
    let mut by_urn: HashMap<&str, &Entity, BuildKeyHasher> =
        HashMap::with_capacity_and_hasher(included.len(), BuildKeyHasher::default());
    for entity in &included {
        if let Some(urn) = entity.entity_urn.get() {
            by_urn.insert(urn, entity);
        }
    }
    let mut page = Page {
        elements: elements.len(),
        ..Page::default()
    };
    for (i, element) in elements.iter().enumerate() {
        let connection = match element {
            Element::Urn(urn) => match by_urn.get(urn.as_ref()) {
                Some(c) => *c,
                None => {
                    page.skipped
                        .push(format!("element {i}: {urn} is not in \"included\""));
                    continue;
                }
            },
            Element::Object(entity) => entity,
            Element::Other => {
                page.skipped
                    .push(format!("element {i}: neither a URN nor an object"));
                continue;
            }
        };
        match contact_of(connection, &by_urn) {
            Ok(contact) => page.contacts.push(contact),
            Err(reason) => page.skipped.push(format!("element {i}: {reason}")),
        }
    }
    Ok(page)
}

fn photo(image: &VectorImage) -> Option<String> {
    let root = image.root_url.get()?;
    let artifacts = image.artifacts.0.as_ref()?;
    super::choose_artifact(
        root,
        artifacts.iter().filter_map(|a| {
            let segment = a.segment.get()?;
            Some((a.width.as_u64().unwrap_or(0), segment))
        }),
    )
}

fn contact_of(
    connection: &Entity,
    by_urn: &HashMap<&str, &Entity, BuildKeyHasher>,
) -> Result<ContactRecord, String> {
    let member_urn = connection
        .connected_member
        .get()
        .or_else(|| connection.connected_member_star.get());
    let inline = connection.resolution.0.as_deref();
    let profile = match (member_urn.and_then(|u| by_urn.get(u)), inline) {
        (Some(p), _) => *p,
        (None, Some(p)) if p.is_object => p,
        (None, _) => {
            return Err(match member_urn {
                Some(urn) => format!("profile {urn} is not in \"included\""),
                None => "the connection names no member".into(),
            })
        }
    };
    let member_id = profile
        .entity_urn
        .get()
        .or(member_urn)
        .and_then(urn_id)
        .map(str::to_string);
    let image = profile.picture.0.as_ref().and_then(|p| {
        [&p.display.0, &p.with_frame.0]
            .into_iter()
            .find_map(|r| r.as_ref()?.vector_image.0.as_ref().and_then(photo))
    });
    contact_from_profile(
        member_id,
        profile.public_identifier.text(),
        profile.first_name.text(),
        profile.last_name.text(),
        profile.headline.text(),
        connection.created_at.as_i64(),
        image,
    )
    .ok_or_else(|| "the profile has neither a public identifier nor a member id".into())
}
