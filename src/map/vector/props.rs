//! A feature's properties as the style and the labels read them: `kind` / `pmap:kind`,
//! `kind_detail`, `class`, `subclass`, `admin_level`, `name`, `population`, `min_zoom`; the
//! other keys are never looked at.

use crate::map::mvt::{LayerRef, Packed, value_int, value_str};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Kind,
    Detail,
    Class,
    Subclass,
    AdminLevel,
    Name,
    Population,
    MinZoom,
}

pub(super) fn role(key: &[u8]) -> Option<Role> {
    match key {
        b"kind" | b"pmap:kind" => Some(Role::Kind),
        b"kind_detail" | b"pmap:kind_detail" => Some(Role::Detail),
        b"class" => Some(Role::Class),
        b"subclass" => Some(Role::Subclass),
        b"admin_level" => Some(Role::AdminLevel),
        b"name" => Some(Role::Name),
        b"population" => Some(Role::Population),
        b"min_zoom" | b"pmap:min_zoom" => Some(Role::MinZoom),
        _ => None,
    }
}

#[derive(Default)]
pub(super) struct Props<'a> {
    pub(super) kind: Option<&'a str>,
    pub(super) detail: Option<&'a str>,
    pub(super) class: Option<&'a str>,
    pub(super) subclass: Option<&'a str>,
    pub(super) admin_level: Option<i64>,
    pub(super) name: Option<&'a str>,
    pub(super) population: Option<i64>,
    pub(super) min_zoom: Option<i64>,
}

/// A layer's value as the style reads it: text, or a whole number.
#[derive(Default, Clone, Copy)]
pub(super) struct Value<'a> {
    pub(super) text: Option<&'a str>,
    pub(super) int: Option<i64>,
}

/// Values longer than this (bytes) are not read: no kind or class name is that long.
pub(super) const MAX_VALUE_BYTES: usize = 1024;
/// Key/value pairs of one feature read at most (real features carry a few dozen).
pub(super) const MAX_TAG_PAIRS: usize = 256;

impl<'a> Props<'a> {
    pub(super) fn read(tags: &[u8], roles: &[Option<Role>], values: &[Value<'a>]) -> Self {
        let mut p = Props::default();
        let mut it = Packed::new(tags);
        for _ in 0..MAX_TAG_PAIRS {
            let (Some(k), Some(v)) = (it.next(), it.next()) else {
                break;
            };
            let Some(role) = roles.get(k as usize).copied().flatten() else {
                continue;
            };
            let Some(value) = values.get(v as usize).copied() else {
                continue;
            };
            match role {
                Role::Kind => p.kind = value.text,
                Role::Detail => p.detail = value.text,
                Role::Class => p.class = value.text,
                Role::Subclass => p.subclass = value.text,
                Role::AdminLevel => p.admin_level = value.int,
                Role::Name => p.name = value.text,
                Role::Population => p.population = value.int,
                Role::MinZoom => p.min_zoom = value.int,
            }
        }
        p
    }

    /// The first of the given properties that `f` makes sense of.
    pub(super) fn pick<T>(&self, order: &[Role], f: impl Fn(&str) -> Option<T>) -> Option<T> {
        order.iter().find_map(|r| {
            let s = match r {
                Role::Kind => self.kind,
                Role::Detail => self.detail,
                Role::Class => self.class,
                Role::Subclass => self.subclass,
                Role::AdminLevel | Role::Name | Role::Population | Role::MinZoom => None,
            };
            s.and_then(&f)
        })
    }
}

/// The properties the style and the labels read, resolved once per layer: each key's role and
/// each value read once (features point to them many times over; a value longer than any kind
/// or class name is not read at all).
pub(super) struct LayerProps<'a> {
    roles: Vec<Option<Role>>,
    values: Vec<Value<'a>>,
}

impl<'a> LayerProps<'a> {
    pub(super) fn new(layer: &LayerRef<'a>) -> Self {
        let roles: Vec<Option<Role>> = layer.keys.iter().map(|k| role(k)).collect();
        let values: Vec<Value<'a>> = layer
            .values
            .iter()
            .map(|v| {
                if v.len() > MAX_VALUE_BYTES {
                    Value::default()
                } else {
                    Value {
                        text: value_str(v),
                        int: value_int(v),
                    }
                }
            })
            .collect();
        LayerProps { roles, values }
    }

    /// The properties of a feature with these tags.
    pub(super) fn of(&self, tags: &[u8]) -> Props<'a> {
        Props::read(tags, &self.roles, &self.values)
    }
}
