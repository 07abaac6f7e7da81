//! The CloudTrail record as patchloop reads it: only the fields named here, each typed
//! loosely (any JSON type accepted, a wrong one named), every other field skipped unread
//! — `responseElements.credentials.sessionToken` and `secretAccessKey` among them, so
//! they are never copied out of the input. Also the streaming walk over a file: a
//! `Records` (or lookup-events `Events`) array is visited one record at a time and never
//! held whole.
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::Sink;
use crate::evidence::json::{LObj, LStr};

/// `userIdentity`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct UserIdentity {
    #[serde(rename = "accessKeyId")]
    pub(super) access_key_id: Option<LStr>,
    pub(super) arn: Option<LStr>,
    #[serde(rename = "userName")]
    pub(super) user_name: Option<LStr>,
}

/// `requestParameters`: only the role an `AssumeRole*` call asks for.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Request {
    #[serde(rename = "roleArn")]
    pub(super) role_arn: Option<LStr>,
}

/// `responseElements.credentials`: the new session's key id and expiry. Its
/// `sessionToken` and `secretAccessKey` are deliberately not fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Credentials {
    #[serde(rename = "accessKeyId")]
    pub(super) access_key_id: Option<LStr>,
    pub(super) expiration: Option<LStr>,
}

/// `responseElements.assumedRoleUser`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AssumedRoleUser {
    pub(super) arn: Option<LStr>,
}

/// `responseElements`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Response {
    pub(super) credentials: Option<LObj<Credentials>>,
    #[serde(rename = "assumedRoleUser")]
    pub(super) assumed_role_user: Option<LObj<AssumedRoleUser>>,
}

/// One record's fields that patchloop reads.
#[derive(Debug, Default)]
pub(super) struct RawRecord {
    pub(super) event_time: Option<LStr>,
    pub(super) event_source: Option<LStr>,
    pub(super) source_ip: Option<LStr>,
    pub(super) error_code: Option<LStr>,
    pub(super) user: Option<LObj<UserIdentity>>,
    pub(super) request: Option<LObj<Request>>,
    pub(super) response: Option<LObj<Response>>,
    /// `CloudTrailEvent` of the lookup-events format: the whole record as a string.
    pub(super) wrapped: Option<LStr>,
    /// The JSON type found when the record is not an object.
    pub(super) not_object: Option<&'static str>,
    /// Whether any field above was present.
    pub(super) seen: bool,
}

/// A key of a record or of the file's top level, matched without allocating.
enum Field {
    EventTime,
    EventSource,
    SourceIp,
    ErrorCode,
    UserIdentity,
    Request,
    Response,
    Wrapped,
    Records,
    Events,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Field, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(match v {
                    "eventTime" => Field::EventTime,
                    "eventSource" => Field::EventSource,
                    "sourceIPAddress" => Field::SourceIp,
                    "errorCode" => Field::ErrorCode,
                    "userIdentity" => Field::UserIdentity,
                    "requestParameters" => Field::Request,
                    "responseElements" => Field::Response,
                    "CloudTrailEvent" => Field::Wrapped,
                    "Records" => Field::Records,
                    "Events" => Field::Events,
                    _ => Field::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

impl RawRecord {
    /// Reads the value of `field` into the record when the projection keeps it, else
    /// skips it unread.
    fn take<'de, A: MapAccess<'de>>(&mut self, field: Field, map: &mut A) -> Result<(), A::Error> {
        match field {
            Field::EventTime => self.event_time = map.next_value()?,
            Field::EventSource => self.event_source = map.next_value()?,
            Field::SourceIp => self.source_ip = map.next_value()?,
            Field::ErrorCode => self.error_code = map.next_value()?,
            Field::UserIdentity => self.user = map.next_value()?,
            Field::Request => self.request = map.next_value()?,
            Field::Response => self.response = map.next_value()?,
            Field::Wrapped => self.wrapped = map.next_value()?,
            Field::Records | Field::Events | Field::Other => {
                map.next_value::<IgnoredAny>()?;
                return Ok(());
            }
        }
        self.seen = true;
        Ok(())
    }
}

/// Reads a record of any JSON type: an object's fields, or the type found.
struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = RawRecord;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CloudTrail record")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRecord, A::Error> {
        let mut r = RawRecord::default();
        while let Some(field) = map.next_key::<Field>()? {
            r.take(field, &mut map)?;
        }
        Ok(r)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawRecord, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(not_object("an array"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<RawRecord, E> {
        Ok(not_object("a string"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawRecord, E> {
        Ok(not_object("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawRecord, E> {
        Ok(not_object("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawRecord, E> {
        Ok(not_object("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawRecord, E> {
        Ok(not_object("a number"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawRecord, E> {
        Ok(not_object("null"))
    }
}

fn not_object(kind: &'static str) -> RawRecord {
    RawRecord {
        not_object: Some(kind),
        ..RawRecord::default()
    }
}

impl<'de> Deserialize<'de> for RawRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawRecord, D::Error> {
        d.deserialize_any(RecordVisitor)
    }
}

/// The whole file: `{"Records": […]}`, `{"Events": […]}`, a bare array of records, or
/// one bare record. Arrays are handed to the sink element by element.
pub(super) struct Document<'s, 'f>(pub(super) &'s mut Sink<'f>);

impl<'de> DeserializeSeed<'de> for Document<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CloudTrail log: an object with `Records`, or a record")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Records(self.0, "").visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut single = RawRecord::default();
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Records => map.next_value_seed(Records(&mut *self.0, "Records"))?,
                Field::Events => map.next_value_seed(Records(&mut *self.0, "Events"))?,
                other => single.take(other, &mut map)?,
            }
        }
        if self.0.arrays == 0 {
            self.0.single(single);
        }
        Ok(())
    }
}

/// A `Records` or `Events` array, streamed.
struct Records<'s, 'f>(&'s mut Sink<'f>, &'static str);

impl<'de> DeserializeSeed<'de> for Records<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Records<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of CloudTrail records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.arrays += 1;
        let mut i = 0u64;
        while let Some(r) = seq.next_element::<RawRecord>()? {
            self.0.indexed(r, self.1, i);
            i += 1;
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.arrays += 1;
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.0.not_an_array(self.1, "an object");
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.0.not_an_array(self.1, "a string");
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.0.not_an_array(self.1, "a boolean");
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.0.not_an_array(self.1, "a number");
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.0.not_an_array(self.1, "a number");
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.0.not_an_array(self.1, "a number");
        Ok(())
    }
}
