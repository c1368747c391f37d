//! What each kind of spec change does to the generated `flatpeak` crate: to code written
//! against the old crate (`client`), to binaries built from it talking to the new API
//! (`wire`), and to the version number (`Level`).
//!
//! Which Rust type a place becomes is asked of the generator's typify (`shape.rs`): a scalar's
//! type, and whether a field of a given presence is an `Option` and is left out when empty. The rest follows what the
//! post-processing makes of a spec (`postprocess.rs`): string enums keep an `Unknown(String)`
//! variant, ids are newtypes read leniently and checked when built, and every generated struct
//! with named fields and every generated enum is `#[non_exhaustive]` (see the README's
//! "Regenerating after a spec change"); `diff --verify` compiles code against both crates to
//! check these rules.

use serde::Serialize;

/// Which way values at a place of the spec travel: sent by the client (`request`), read by it
/// (`response`), both (a schema shared by both), or neither (a schema no operation uses).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ctx {
    /// The client sends it: parameters and request bodies.
    pub request: bool,
    /// The client reads it: response bodies.
    pub response: bool,
}

impl Ctx {
    /// Parameters and request bodies.
    pub const REQUEST: Ctx = Ctx {
        request: true,
        response: false,
    };
    /// Response bodies.
    pub const RESPONSE: Ctx = Ctx {
        request: false,
        response: true,
    };
    /// A schema no operation reaches.
    pub const NONE: Ctx = Ctx {
        request: false,
        response: false,
    };

    /// Both contexts of `self` and `other`.
    pub fn union(self, other: Ctx) -> Ctx {
        Ctx {
            request: self.request || other.request,
            response: self.response || other.response,
        }
    }

    /// `request`, `response`, `both` or `none`.
    pub fn side(self) -> &'static str {
        match (self.request, self.response) {
            (true, false) => "request",
            (false, true) => "response",
            (true, true) => "both",
            (false, false) => "none",
        }
    }

    /// `request-`, `response-` or nothing, for names of changes that differ by side.
    fn prefix(self) -> &'static str {
        match (self.request, self.response) {
            (true, false) => "request-",
            (false, true) => "response-",
            _ => "",
        }
    }
}

/// Whether a change breaks something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Nothing that worked stops working.
    Compatible,
    /// Something that worked may stop working.
    Breaking,
}

impl Effect {
    fn from(breaking: bool) -> Effect {
        if breaking {
            Effect::Breaking
        } else {
            Effect::Compatible
        }
    }
}

/// The version bump a change needs under semver's post-1.0 rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No change at all.
    None,
    /// Nothing public changes but documentation or behaviour behind the same API.
    Patch,
    /// Something public is added.
    Minor,
    /// Code written against the old version may stop compiling or change meaning.
    Major,
}

impl Level {
    /// `major`, `minor`, `patch` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }
}

/// How a field is present, which decides its Rust type and how serde treats its absence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Presence {
    /// In the object's `required` list.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// Has a `default`.
    pub default: bool,
    /// An array or a map.
    pub collection: bool,
}

impl Presence {
    /// Whether the field's Rust type is an `Option`, as typify answers it.
    pub fn option(self) -> bool {
        super::shape::field(self).option
    }

    /// Whether a client built for this presence may leave the field out of what it sends: its
    /// generated field is skipped when `None` or empty, as typify answers it.
    fn may_omit(self) -> bool {
        super::shape::field(self).skipped_when_empty
    }

    /// Whether a client built for this presence may send `null`: an `Option` that is not
    /// skipped when `None`.
    fn may_send_null(self) -> bool {
        let field = super::shape::field(self);
        field.option && !field.skipped_when_empty
    }

    fn describe(self) -> &'static str {
        match (self.required, self.option()) {
            (true, false) => "required",
            (true, true) => "required, nullable",
            (false, true) => "optional",
            (false, false) => "optional with a default",
        }
    }
}

/// What changed, with what the classification needs to know about it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A new operation: a new client method.
    OperationAdded,
    /// An operation is gone.
    OperationRemoved,
    /// The operation's id changed, and with it the client method's name.
    OperationRenamed {
        /// Old method name.
        old: String,
        /// New method name.
        new: String,
    },
    /// The operation's method or path changed (same id).
    OperationMoved {
        /// `GET /a`.
        old: String,
        /// `GET /b`.
        new: String,
    },
    /// A path parameter has a new name: the builder's setter is renamed.
    PathParameterRenamed {
        /// Old name.
        old: String,
        /// New name.
        new: String,
    },
    /// A new query, header or cookie parameter.
    ParameterAdded {
        /// Whether a request must have it.
        required: bool,
    },
    /// A parameter is gone.
    ParameterRemoved,
    /// A parameter became required (`now`) or optional.
    ParameterRequired {
        /// Required now.
        now: bool,
    },
    /// The operation takes a body now.
    RequestBodyAdded {
        /// Whether a request must have it.
        required: bool,
    },
    /// The operation no longer takes a body.
    RequestBodyRemoved,
    /// The body became required (`now`) or optional.
    RequestBodyRequired {
        /// Required now.
        now: bool,
    },
    /// A documented response status is new.
    ResponseStatusAdded {
        /// A 2xx status.
        success: bool,
    },
    /// A documented response status is gone.
    ResponseStatusRemoved,
    /// A response that had no body has one.
    ResponseBodyAdded,
    /// A response that had a body has none.
    ResponseBodyRemoved {
        /// The old spec already allowed it without a body (`x-optional-body`).
        was_optional: bool,
    },
    /// `x-optional-body` was set (`now`) or removed.
    ResponseBodyOptional {
        /// Set now.
        now: bool,
    },
    /// A new property of an object.
    FieldAdded {
        /// How it is present.
        presence: Presence,
        /// The old object was closed (`additionalProperties: false`, so old binaries refuse
        /// fields they do not know).
        closed: bool,
    },
    /// A property is gone.
    FieldRemoved {
        /// How it was present.
        presence: Presence,
    },
    /// A property's requiredness, nullability or default changed.
    FieldPresence {
        /// Before.
        old: Presence,
        /// After.
        new: Presence,
    },
    /// An object's struct gains (`now`) or loses its `Default` implementation.
    DefaultImpl {
        /// Implemented now.
        now: bool,
    },
    /// A new enum value.
    EnumValueAdded {
        /// As JSON.
        value: String,
    },
    /// An enum value is gone.
    EnumValueRemoved {
        /// As JSON.
        value: String,
    },
    /// A different kind of value (and Rust type).
    TypeChanged {
        /// The old Rust type, described.
        old: String,
        /// The new one.
        new: String,
        /// A binary built for the old type reads every value of the new one.
        old_reads_new: bool,
        /// The new schema accepts every value of the old one.
        new_accepts_old: bool,
    },
    /// A `$ref` points at another schema (or an inline schema replaces one): the Rust type is
    /// another type.
    RefChanged {
        /// The old type.
        old: String,
        /// The new type.
        new: String,
        /// How the two schemas differ, each with where (read by the message and the wire
        /// column).
        differences: Vec<(Kind, String)>,
    },
    /// An inline schema's `title` changed, and with it its Rust type's name.
    TypeRenamed {
        /// Old title.
        old: String,
        /// New title.
        new: String,
    },
    /// A string's `pattern` changed.
    PatternChanged {
        /// Old pattern.
        old: String,
        /// New pattern.
        new: String,
    },
    /// A bound (`minimum`, `maxLength`, `minItems`, `pattern` added, ...) changed.
    ConstraintChanged {
        /// The keyword.
        keyword: String,
        /// Old value, or `none`.
        old: String,
        /// New value, or `none`.
        new: String,
        /// Values valid before may be invalid now.
        tightened: bool,
    },
    /// A `default` value changed.
    DefaultChanged {
        /// Old value, or `none`.
        old: String,
        /// New value, or `none`.
        new: String,
    },
    /// A union (`oneOf`/`anyOf`) has a new member.
    UnionMemberAdded {
        /// The union has a `discriminator`: the client reads an unknown kind as
        /// `Unknown(JSON)`.
        tagged: bool,
    },
    /// A union member is gone.
    UnionMemberRemoved,
    /// A new component schema: a new type.
    SchemaAdded,
    /// A component schema is gone: its type is gone.
    SchemaRemoved,
    /// `description` or `summary` text.
    DescriptionChanged,
    /// `x-sensitive`: whether the recorder and `scrub` replace the value by a placeholder.
    SensitivityChanged {
        /// Whether the place is sensitive in NEW.
        now: bool,
    },
    /// Anything the generator does not read into code or behaviour (examples, tags, `info`,
    /// `servers`, `readOnly`, extensions, ...).
    DocumentationChanged {
        /// The keyword.
        keyword: String,
    },
}

/// A change found in the spec, before it is classified: where, in which contexts, reached by
/// which operations.
#[derive(Clone, Debug)]
pub struct Finding {
    /// What changed.
    pub kind: Kind,
    /// JSON pointer into the new spec (the old one for a removal).
    pub pointer: String,
    /// How values at the place travel.
    pub ctx: Ctx,
    /// The operations whose requests or responses reach the place.
    pub operations: Vec<String>,
    /// What a person calls the place: `` `Device.timezone` ``, `` `list_devices` query
    /// parameter `limit` ``.
    pub subject: String,
}

/// A classified change, as the report lists it.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    /// The operation, or `None` for a change in a schema several operations (or none) reach.
    pub operation: Option<String>,
    /// Every operation the change reaches.
    pub operations: Vec<String>,
    /// JSON pointer into the new spec (the old one for a removal).
    pub pointer: String,
    /// A short kind name (`response-field-added`).
    pub change: String,
    /// Whether the place is in what the client sends (`request`), reads (`response`), `both`,
    /// or in a schema no operation uses (`none`).
    pub side: &'static str,
    /// Effect on code written against the old crate.
    pub client: Effect,
    /// Effect on binaries built from the old crate, talking to the new API.
    pub wire: Effect,
    /// The version bump this change alone needs (post-1.0 rules).
    pub semver: Level,
    /// One line a person can act on.
    pub message: String,
    /// A break cargo-semver-checks can see (an item or variant removed, a derive dropped).
    #[serde(skip)]
    pub compiler_visible: bool,
}

/// Classifies a finding.
pub fn classify(finding: &Finding) -> Change {
    let rule = rule(&finding.kind, finding.ctx);
    let operation = match finding.operations.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    };
    let reach = match finding.operations.as_slice() {
        [] | [_] => String::new(),
        few @ [_, _, ..] if few.len() <= 5 => {
            format!(" [{} operations: {}]", few.len(), few.join(", "))
        }
        many => format!(
            " [{} operations: {}, ...]",
            many.len(),
            many[..4].join(", ")
        ),
    };
    Change {
        operation,
        operations: finding.operations.clone(),
        pointer: finding.pointer.clone(),
        change: name(&finding.kind, finding.ctx),
        side: finding.ctx.side(),
        client: rule.client,
        wire: rule.wire,
        semver: rule.level,
        message: format!("{}: {}{reach}", finding.subject, rule.message),
        compiler_visible: rule.client == Effect::Breaking && compiler_visible(&finding.kind),
    }
}

/// What a change breaks (code using the crate, deployed binaries), and whether it adds to the
/// crate's API.
#[derive(Clone, Copy)]
struct Breaks {
    code: bool,
    wire: bool,
    adds: bool,
}

/// Breaks code and deployed binaries.
const BOTH: Breaks = Breaks {
    code: true,
    wire: true,
    adds: false,
};
/// Breaks code using the crate only.
const CODE: Breaks = Breaks {
    code: true,
    wire: false,
    adds: false,
};
/// Breaks deployed binaries only.
const WIRE: Breaks = Breaks {
    code: false,
    wire: true,
    adds: false,
};
/// Breaks nothing and adds to the API.
const ADDS: Breaks = Breaks {
    code: false,
    wire: false,
    adds: true,
};
/// Breaks nothing, adds nothing.
const NOTHING: Breaks = Breaks {
    code: false,
    wire: false,
    adds: false,
};

impl Breaks {
    /// Breaks code using the crate (`code`) and deployed binaries (`wire`) as given, and adds
    /// nothing.
    fn when(code: bool, wire: bool) -> Breaks {
        Breaks {
            code,
            wire,
            adds: false,
        }
    }
}

/// What a kind of change does in a context.
struct Rule {
    client: Effect,
    wire: Effect,
    level: Level,
    message: String,
}

impl Rule {
    /// Breaking code is a major change; otherwise an addition is a minor one.
    fn new(breaks: Breaks, message: String) -> Rule {
        let level = if breaks.code {
            Level::Major
        } else if breaks.adds {
            Level::Minor
        } else {
            Level::Patch
        };
        Rule {
            client: Effect::from(breaks.code),
            wire: Effect::from(breaks.wire),
            level,
            message,
        }
    }
}

/// The short name of a change, as the report's `change` column shows it.
pub fn name(kind: &Kind, ctx: Ctx) -> String {
    let fixed = match kind {
        Kind::OperationAdded => "operation-added",
        Kind::OperationRemoved => "operation-removed",
        Kind::OperationRenamed { .. } => "operation-renamed",
        Kind::OperationMoved { .. } => "operation-moved",
        Kind::PathParameterRenamed { .. } => "path-parameter-renamed",
        Kind::ParameterAdded { required: true } => "required-parameter-added",
        Kind::ParameterAdded { required: false } => "optional-parameter-added",
        Kind::ParameterRemoved => "parameter-removed",
        Kind::ParameterRequired { now: true } => "parameter-now-required",
        Kind::ParameterRequired { now: false } => "parameter-now-optional",
        Kind::RequestBodyAdded { .. } => "request-body-added",
        Kind::RequestBodyRemoved => "request-body-removed",
        Kind::RequestBodyRequired { now: true } => "request-body-now-required",
        Kind::RequestBodyRequired { now: false } => "request-body-now-optional",
        Kind::ResponseStatusAdded { .. } => "response-status-added",
        Kind::ResponseStatusRemoved => "response-status-removed",
        Kind::ResponseBodyAdded => "response-body-added",
        Kind::ResponseBodyRemoved { .. } => "response-body-removed",
        Kind::ResponseBodyOptional { now: true } => "response-body-now-optional",
        Kind::ResponseBodyOptional { now: false } => "response-body-now-required",
        Kind::FieldAdded { .. } => return format!("{}field-added", ctx.prefix()),
        Kind::FieldRemoved { .. } => return format!("{}field-removed", ctx.prefix()),
        Kind::FieldPresence { old, new } => return presence_name(*old, *new, ctx),
        Kind::DefaultImpl { now: true } => "default-impl-added",
        Kind::DefaultImpl { now: false } => "default-impl-removed",
        Kind::EnumValueAdded { .. } => "enum-value-added",
        Kind::EnumValueRemoved { .. } => "enum-value-removed",
        Kind::TypeChanged { .. } => "type-changed",
        Kind::RefChanged { .. } => "ref-changed",
        Kind::TypeRenamed { .. } => "type-renamed",
        Kind::PatternChanged { .. } => "pattern-changed",
        Kind::ConstraintChanged { .. } => "constraint-changed",
        Kind::DefaultChanged { .. } => "default-changed",
        Kind::UnionMemberAdded { .. } => "union-member-added",
        Kind::UnionMemberRemoved => "union-member-removed",
        Kind::SchemaAdded => "schema-added",
        Kind::SchemaRemoved => "schema-removed",
        Kind::DescriptionChanged => "description-changed",
        Kind::SensitivityChanged { .. } => "sensitivity-changed",
        Kind::DocumentationChanged { .. } => "documentation-changed",
    };
    fixed.to_string()
}

/// `field-now-optional`, `request-field-now-required`, `field-now-nullable`, ...
fn presence_name(old: Presence, new: Presence, ctx: Ctx) -> String {
    let what = if old.required != new.required {
        if new.required {
            "now-required"
        } else {
            "now-optional"
        }
    } else if old.nullable != new.nullable {
        if new.nullable {
            "now-nullable"
        } else {
            "now-non-nullable"
        }
    } else {
        "default-presence-changed"
    };
    // Only the request side gets a prefix: `field-now-optional` is about what the client reads.
    let prefix = if ctx == Ctx::REQUEST { "request-" } else { "" };
    format!("{prefix}field-{what}")
}

fn rule(kind: &Kind, ctx: Ctx) -> Rule {
    match kind {
        Kind::OperationAdded
        | Kind::OperationRemoved
        | Kind::OperationRenamed { .. }
        | Kind::OperationMoved { .. }
        | Kind::PathParameterRenamed { .. } => operation_rule(kind),
        Kind::ParameterAdded { .. }
        | Kind::ParameterRemoved
        | Kind::ParameterRequired { .. }
        | Kind::RequestBodyAdded { .. }
        | Kind::RequestBodyRemoved
        | Kind::RequestBodyRequired { .. } => request_rule(kind),
        Kind::ResponseStatusAdded { .. }
        | Kind::ResponseStatusRemoved
        | Kind::ResponseBodyAdded
        | Kind::ResponseBodyRemoved { .. }
        | Kind::ResponseBodyOptional { .. } => response_rule(kind),
        Kind::FieldAdded { presence, closed } => field_added(*presence, *closed, ctx),
        Kind::FieldRemoved { presence } => field_removed(*presence, ctx),
        Kind::FieldPresence { old, new } => field_presence(*old, *new, ctx),
        Kind::EnumValueAdded { .. } | Kind::EnumValueRemoved { .. } => enum_rule(kind, ctx),
        Kind::UnionMemberAdded { .. } | Kind::UnionMemberRemoved => union_rule(kind, ctx),
        Kind::TypeChanged { .. } | Kind::RefChanged { .. } | Kind::TypeRenamed { .. } => {
            type_rule(kind, ctx)
        }
        _ => schema_rule(kind, ctx),
    }
}

fn operation_rule(kind: &Kind) -> Rule {
    match kind {
        Kind::OperationAdded => Rule::new(
            ADDS,
"new operation: the client gains a method".into(),
        ),
        Kind::OperationRemoved => Rule::new(
            BOTH,
"operation removed: its client method is gone, and old binaries calling it will get errors".into(),
        ),
        Kind::OperationRenamed { old, new } => Rule::new(
            CODE,
format!("`client.{old}()` is now `client.{new}()` (same method and path on the wire)"),
        ),
        Kind::OperationMoved { old, new } => Rule::new(
            WIRE,
format!("now `{new}`, was `{old}`: old binaries still call `{old}`"),
        ),
        Kind::PathParameterRenamed { old, new } => Rule::new(
            CODE,
format!("path parameter `{old}` is now `{new}`: the builder's `.{old}(..)` is now `.{new}(..)` (the URL is unchanged)"),
        ),
        _ => unreachable_rule(kind),
    }
}

fn request_rule(kind: &Kind) -> Rule {
    match kind {
        Kind::ParameterAdded { required: true } => Rule::new(
            BOTH,
"new required parameter: calls that do not set it fail before sending, and old binaries never send it".into(),
        ),
        Kind::ParameterAdded { required: false } => Rule::new(
            ADDS,
"new optional parameter: the builder gains a setter".into(),
        ),
        Kind::ParameterRemoved => Rule::new(
            CODE,
"parameter removed: its builder setter is gone; old binaries may still send it, which the API is expected to ignore".into(),
        ),
        Kind::ParameterRequired { now: true } => Rule::new(
            BOTH,
"parameter now required: calls that do not set it fail before sending, and old binaries may leave it out".into(),
        ),
        Kind::ParameterRequired { now: false } => {
            Rule::new(NOTHING, "parameter now optional".into())
        }
        Kind::RequestBodyAdded { required } => Rule::new(
            Breaks { code: *required, wire: *required, adds: !required },
if *required {
                "the operation now requires a body: calls without `.body(..)` fail, and old binaries send none".into()
            } else {
                "the operation now takes an optional body".into()
            },
        ),
        Kind::RequestBodyRemoved => Rule::new(
            CODE,
"the operation takes no body now: `.body(..)` is gone; old binaries still send one".into(),
        ),
        Kind::RequestBodyRequired { now } => Rule::new(
            Breaks::when(*now, *now),
if *now {
                "the body is now required; old binaries may send none".into()
            } else {
                "the body is now optional".into()
            },
        ),
        _ => unreachable_rule(kind),
    }
}

fn response_rule(kind: &Kind) -> Rule {
    match kind {
        Kind::ResponseStatusAdded { success: true } => Rule::new(
            WIRE,
"new success status: old binaries take it only when its body is the old success type, and report an unexpected response otherwise".into(),
        ),
        Kind::ResponseStatusAdded { success: false } => Rule::new(
            NOTHING,
"new error status: old binaries report it as an unexpected response rather than a typed API error".into(),
        ),
        Kind::ResponseStatusRemoved => {
            Rule::new(NOTHING, "status no longer documented".into())
        }
        Kind::ResponseBodyAdded => Rule::new(
            CODE,
"the response now has a body: the method's response type changes; old binaries ignore it".into(),
        ),
        Kind::ResponseBodyRemoved { was_optional } => Rule::new(
            Breaks::when(true, !was_optional),
"the response has no body now: the method's response type changes, and old binaries expecting JSON fail".into(),
        ),
        Kind::ResponseBodyOptional { now } => Rule::new(
            Breaks::when(false, *now),
if *now {
                "the response may now come without a body (`x-optional-body`): old binaries fail on an empty one".into()
            } else {
                "the response always has a body now (`x-optional-body` removed)".into()
            },
        ),
        _ => unreachable_rule(kind),
    }
}

fn field_added(presence: Presence, closed: bool, ctx: Ctx) -> Rule {
    let sent_and_required = ctx.request && presence.required;
    let refused = ctx.response && closed;
    let mut message = format!("new {} field", presence.describe());
    if sent_and_required {
        message.push_str(": the struct's builder fails without it, and old binaries never send it");
    } else if refused {
        message.push_str(
            ": the object is closed (`additionalProperties: false`), so old binaries refuse it",
        );
    } else if ctx.response {
        message.push_str(": old binaries ignore it");
    }
    Rule::new(
        Breaks {
            code: sent_and_required,
            wire: sent_and_required || refused,
            adds: true,
        },
        message,
    )
}

fn field_removed(presence: Presence, ctx: Ctx) -> Rule {
    let fails = ctx.response && presence.required;
    let mut message = format!(
        "{} field removed: code that uses it stops compiling",
        presence.describe()
    );
    if fails {
        message.push_str(", and old binaries fail on responses without it");
    } else if ctx.request {
        message.push_str("; old binaries may still send it, which the API is expected to ignore");
    }
    Rule::new(Breaks::when(true, fails), message)
}

fn field_presence(old: Presence, new: Presence, ctx: Ctx) -> Rule {
    let client = old.option() != new.option();
    let reads =
        ctx.response && ((old.required && !new.required) || (new.nullable && !old.option()));
    let sends =
        ctx.request && ((new.required && old.may_omit()) || (!new.nullable && old.may_send_null()));
    let mut message = format!("was {}, now {}", old.describe(), new.describe());
    if client {
        let (from, to) = if new.option() {
            ("T", "Option<T>")
        } else {
            ("Option<T>", "T")
        };
        message.push_str(&format!(": its Rust type changes from `{from}` to `{to}`"));
    }
    if reads {
        message.push_str("; old binaries fail when it is missing or null");
    }
    if sends {
        message.push_str("; old binaries may leave it out or send null");
    }
    Rule::new(Breaks::when(client, reads || sends), message)
}

fn enum_rule(kind: &Kind, ctx: Ctx) -> Rule {
    match kind {
        Kind::EnumValueAdded { value } => {
            let mut message = format!("new enum value {value} (the enum is `#[non_exhaustive]`)");
            if ctx.response {
                message.push_str(&format!(
                    "; old binaries read it as `Unknown({value})` and keep working"
                ));
            }
            Rule::new(ADDS, message)
        }
        Kind::EnumValueRemoved { value } => {
            let mut message = format!("enum value {value} removed: its variant is gone");
            if ctx.request {
                message.push_str("; old binaries may still send it and be refused");
            }
            Rule::new(Breaks::when(true, ctx.request), message)
        }
        _ => unreachable_rule(kind),
    }
}

fn union_rule(kind: &Kind, ctx: Ctx) -> Rule {
    match kind {
        Kind::UnionMemberAdded { tagged } => {
            let fails = ctx.response && !tagged;
            let message = if fails {
                "new kind of value in an untagged union: old binaries fail on it"
            } else {
                "new kind of value in a union (the enum is `#[non_exhaustive]`); old binaries read one as `Unknown`"
            };
            Rule::new(
                Breaks {
                    code: false,
                    wire: fails,
                    adds: true,
                },
                message.into(),
            )
        }
        Kind::UnionMemberRemoved => Rule::new(
            Breaks::when(true, ctx.request),
            "a kind of value left the union: its variant is gone".into(),
        ),
        _ => unreachable_rule(kind),
    }
}

fn type_rule(kind: &Kind, ctx: Ctx) -> Rule {
    match kind {
        Kind::TypeChanged {
            old,
            new,
            old_reads_new,
            new_accepts_old,
        } => {
            let wire = (ctx.response && !old_reads_new) || (ctx.request && !new_accepts_old);
            let mut message = format!("type changed from {old} to {new}");
            if wire {
                message.push_str(": old binaries send or read the old type");
            }
            Rule::new(Breaks::when(true, wire), message)
        }
        Kind::RefChanged {
            old,
            new,
            differences,
        } => ref_changed(old, new, differences, ctx),
        Kind::TypeRenamed { old, new } => Rule::new(
            CODE,
            format!("`title` changed from `{old}` to `{new}`: the Rust type is renamed"),
        ),
        _ => unreachable_rule(kind),
    }
}

fn ref_changed(old: &str, new: &str, differences: &[(Kind, String)], ctx: Ctx) -> Rule {
    let rules: Vec<(Rule, &String)> = differences
        .iter()
        .map(|(kind, at)| (rule(kind, ctx), at))
        .collect();
    let wire = rules.iter().any(|(r, _)| r.wire == Effect::Breaking);
    let mut message = format!("now {new}, was {old}: the Rust type changes");
    let shown: Vec<String> = differences
        .iter()
        .zip(&rules)
        .filter(|(_, (r, _))| r.level > Level::Patch || r.wire == Effect::Breaking)
        .map(|((kind, at), (r, _))| match kind {
            Kind::RefChanged { old, new, .. } => format!("{at}: now {new}, was {old}"),
            _ => format!("{at}: {}", r.message),
        })
        .collect();
    if shown.is_empty() {
        message.push_str("; the two schemas accept the same values");
    } else {
        let more = shown.len().saturating_sub(3);
        message.push_str(&format!(
            "; they differ: {}",
            shown[..shown.len().min(3)].join("; ")
        ));
        if more > 0 {
            message.push_str(&format!("; and {more} more"));
        }
    }
    Rule::new(Breaks::when(true, wire), message)
}

fn schema_rule(kind: &Kind, ctx: Ctx) -> Rule {
    match kind {
        Kind::PatternChanged { old, new } => Rule::new(
            Breaks::when(false, ctx.request),
            format!(
                "pattern `{old}` is now `{new}`: values you build are checked against the new one{}",
                if ctx.request {
                    "; old binaries may send values the API now refuses"
                } else {
                    "; responses are read leniently"
                }
            ),
        ),
        Kind::ConstraintChanged {
            keyword,
            old,
            new,
            tightened,
        } => {
            let wire = ctx.request && *tightened;
            let mut message = format!("`{keyword}` was {old}, now {new}");
            if wire {
                message.push_str(": old binaries may send values the API now refuses");
            }
            Rule::new(Breaks::when(false, wire), message)
        }
        Kind::DefaultChanged { old, new } => {
            Rule::new(NOTHING, format!("`default` was {old}, now {new}"))
        }
        Kind::DefaultImpl { now } => Rule::new(
            Breaks {
                code: !now,
                wire: false,
                adds: *now,
            },
            if *now {
                "the struct now implements `Default` (no field is required)".into()
            } else {
                "the struct no longer implements `Default` (a field is now required)".into()
            },
        ),
        Kind::SchemaAdded => Rule::new(ADDS, "new schema: a new type".into()),
        Kind::SchemaRemoved => Rule::new(CODE, "schema removed: its type is gone".into()),
        Kind::DescriptionChanged => {
            Rule::new(NOTHING, "description changed (documentation only)".into())
        }
        // The generated code is the same but for the recorder's table of sensitive places: a
        // behaviour change, and old recordings may hold a value that is now to be scrubbed.
        Kind::SensitivityChanged { now: true } => Rule::new(
            NOTHING,
            "now `x-sensitive`: the recorder and `scrub` replace its value by a placeholder; \
             recordings made before may hold real values: run `cargo xtask scrub` on them"
                .into(),
        ),
        Kind::SensitivityChanged { now: false } => Rule::new(
            NOTHING,
            "no longer `x-sensitive`: recorded as it is from now on".into(),
        ),
        Kind::DocumentationChanged { keyword } => Rule::new(
            NOTHING,
            format!("`{keyword}` changed (not read into the client)"),
        ),
        _ => unreachable_rule(kind),
    }
}

/// Every kind has a rule above; this keeps the dispatch total without a panic.
fn unreachable_rule(kind: &Kind) -> Rule {
    Rule::new(BOTH, format!("unclassified change {kind:?}"))
}

/// Whether cargo-semver-checks can see that a change of this kind breaks code: it sees items,
/// methods, fields and variants removed; not a field's or a method's type changing, nor a
/// requirement the builders check at run time, nor (0.51, found by `--verify`) a dropped
/// `#[derive(Default)]`, though it sees a dropped `Clone`.
fn compiler_visible(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::OperationRemoved
            | Kind::OperationRenamed { .. }
            | Kind::PathParameterRenamed { .. }
            | Kind::ParameterRemoved
            | Kind::RequestBodyRemoved
            | Kind::FieldRemoved { .. }
            | Kind::EnumValueRemoved { .. }
            | Kind::UnionMemberRemoved
            | Kind::SchemaRemoved
            | Kind::TypeRenamed { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(kind: Kind, ctx: Ctx) -> Change {
        classify(&Finding {
            kind,
            pointer: "/x".into(),
            ctx,
            operations: vec!["a".into(), "b".into()],
            subject: "`X.y`".into(),
        })
    }

    #[test]
    fn a_required_field_made_optional_breaks_readers_not_writers_on_the_wire() {
        let required = Presence {
            required: true,
            ..Presence::default()
        };
        let optional = Presence::default();
        let kind = Kind::FieldPresence {
            old: required,
            new: optional,
        };
        let read = finding(kind.clone(), Ctx::RESPONSE);
        assert_eq!(
            (read.client, read.wire),
            (Effect::Breaking, Effect::Breaking)
        );
        assert_eq!(read.change, "field-now-optional");
        let sent = finding(kind, Ctx::REQUEST);
        assert_eq!(
            (sent.client, sent.wire),
            (Effect::Breaking, Effect::Compatible)
        );
        assert_eq!(sent.change, "request-field-now-optional");
    }

    #[test]
    fn an_optional_array_made_required_keeps_its_rust_type() {
        let old = Presence {
            collection: true,
            ..Presence::default()
        };
        let new = Presence {
            required: true,
            ..old
        };
        let change = finding(Kind::FieldPresence { old, new }, Ctx::RESPONSE);
        assert_eq!(
            (change.client, change.wire),
            (Effect::Compatible, Effect::Compatible)
        );
        assert_eq!(change.semver, Level::Patch);
    }

    #[test]
    fn a_shared_change_names_no_operation_and_lists_them_all() {
        let change = finding(Kind::DescriptionChanged, Ctx::NONE);
        assert_eq!(change.operation, None);
        assert!(
            change.message.ends_with("[2 operations: a, b]"),
            "{}",
            change.message
        );
    }

    #[test]
    fn a_ref_change_is_as_breaking_on_the_wire_as_its_differences() {
        let differences = vec![(
            Kind::EnumValueRemoved {
                value: "\"LOCAL\"".into(),
            },
            "`Direction`".to_string(),
        )];
        let kind = Kind::RefChanged {
            old: "TariffDirection".into(),
            new: "Direction".into(),
            differences,
        };
        let read = finding(kind.clone(), Ctx::RESPONSE);
        assert_eq!(
            (read.client, read.wire),
            (Effect::Breaking, Effect::Compatible)
        );
        let sent = finding(kind, Ctx::REQUEST);
        assert_eq!(sent.wire, Effect::Breaking);
        assert!(
            sent.message.contains("\"LOCAL\" removed"),
            "{}",
            sent.message
        );
    }
}
