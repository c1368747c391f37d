//! What a run's recordings exercised of the spec: each operation, each documented status of
//! each, and each value of each response enum. A green gate says what it covered; with
//! `--require-coverage` a gap fails it.

use serde::{Serialize, Serializer};

use crate::model::{Finding, Kind, Replayed};
use crate::schema::{EnumHit, EnumSchema};
use crate::spec::{Spec, escape};

/// What the run's interactions exercised of one release's spec.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    /// The release (`zero`).
    pub release: String,
    /// Its spec file, as the run named it.
    pub spec: String,
    /// Every operation of the spec, in spec order.
    pub operations: Vec<OperationCoverage>,
    /// Every response enum of two values or more.
    pub enums: Vec<EnumCoverage>,
}

/// One operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperationCoverage {
    /// Its id.
    pub operation: String,
    /// Upper-case method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Interactions routed to it.
    pub interactions: usize,
    /// Each documented status (`200`, `4XX`, `default`), in spec order, with the number of
    /// interactions that had it.
    #[serde(serialize_with = "as_map")]
    pub statuses: Vec<(String, usize)>,
}

/// One enum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumCoverage {
    /// JSON pointer of its schema in the spec.
    pub schema: String,
    /// Each documented value, in spec order, with the number of interactions whose response
    /// held it.
    #[serde(serialize_with = "as_map")]
    pub values: Vec<(String, usize)>,
}

impl OperationCoverage {
    /// The documented statuses no interaction had, in spec order.
    pub fn statuses_missed(&self) -> Vec<&str> {
        never_seen(&self.statuses)
    }
}

impl EnumCoverage {
    /// The documented values no response held, in spec order.
    pub fn values_unseen(&self) -> Vec<&str> {
        never_seen(&self.values)
    }
}

/// The names counted zero times in `counts`.
fn never_seen(counts: &[(String, usize)]) -> Vec<&str> {
    counts
        .iter()
        .filter(|(_, n)| *n == 0)
        .map(|(name, _)| name.as_str())
        .collect()
}

/// What `--require-coverage` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Requirement {
    /// Every operation has at least one interaction.
    Operations,
    /// Every documented status of every operation has at least one interaction.
    Statuses,
}

/// Counts as the run goes.
#[derive(Debug)]
pub(crate) struct Tally {
    /// By operation index: interactions, and by status key index: interactions.
    operations: Vec<(usize, Vec<usize>)>,
    /// By enum index and value index: interactions.
    enums: Vec<Vec<usize>>,
}

impl Tally {
    /// A tally for `spec`'s operations and `enums`.
    pub(crate) fn new(spec: &Spec, enums: &[EnumSchema]) -> Tally {
        Tally {
            operations: spec
                .operations
                .iter()
                .map(|op| (0, vec![0; op.responses.len()]))
                .collect(),
            enums: enums.iter().map(|e| vec![0; e.values.len()]).collect(),
        }
    }

    /// Counts one interaction and the enum values its response held.
    pub(crate) fn add(&mut self, spec: &Spec, replayed: &Replayed, hits: &[EnumHit]) {
        for hit in hits {
            if let Some(count) = self
                .enums
                .get_mut(hit.schema)
                .and_then(|values| values.get_mut(hit.value))
            {
                *count += 1;
            }
        }
        let Some(id) = replayed.operation.as_deref() else {
            return;
        };
        let Some(index) = spec.operations.iter().position(|op| op.id == id) else {
            return;
        };
        let op = &spec.operations[index];
        let (interactions, statuses) = &mut self.operations[index];
        *interactions += 1;
        if let Some(key) = op.status_key(replayed.status)
            && let Some(count) = op
                .responses
                .keys()
                .position(|k| *k == key)
                .and_then(|i| statuses.get_mut(i))
        {
            *count += 1;
        }
    }

    /// The coverage counted, of release `release`'s `spec`, read from `spec_file`.
    pub(crate) fn finish(
        self,
        release: &str,
        spec: &Spec,
        spec_file: &str,
        enums: &[EnumSchema],
    ) -> Coverage {
        let operations = spec
            .operations
            .iter()
            .zip(self.operations)
            .map(|(op, (interactions, statuses))| OperationCoverage {
                operation: op.id.clone(),
                method: op.method.clone(),
                path: op.template.clone(),
                interactions,
                statuses: op.responses.keys().cloned().zip(statuses).collect(),
            })
            .collect();
        let enums = enums
            .iter()
            .zip(self.enums)
            .map(|(e, counts)| EnumCoverage {
                schema: e.pointer.clone(),
                values: e.values.iter().cloned().zip(counts).collect(),
            })
            .collect();
        Coverage {
            release: release.to_string(),
            spec: spec_file.to_string(),
            operations,
            enums,
        }
    }
}

impl Coverage {
    /// Operations with at least one interaction, and all of them.
    pub fn operations_seen(&self) -> (usize, usize) {
        let seen = self
            .operations
            .iter()
            .filter(|o| o.interactions > 0)
            .count();
        (seen, self.operations.len())
    }

    /// Documented statuses with at least one interaction, and all of them.
    pub fn statuses_seen(&self) -> (usize, usize) {
        let all = self.operations.iter().flat_map(|o| o.statuses.iter());
        let (seen, total) = all.fold((0, 0), |(s, t), (_, n)| (s + usize::from(*n > 0), t + 1));
        (seen, total)
    }

    /// Enum values seen, and all of them.
    pub fn enum_values_seen(&self) -> (usize, usize) {
        let all = self.enums.iter().flat_map(|e| e.values.iter());
        let (seen, total) = all.fold((0, 0), |(s, t), (_, n)| (s + usize::from(*n > 0), t + 1));
        (seen, total)
    }

    /// One `coverage` error per gap of what `requirement` asks for, about `spec_file`.
    pub fn gaps(&self, requirement: Requirement, spec: &Spec) -> Vec<Finding> {
        let spec_file = self.spec.as_str();
        let mut findings = Vec::new();
        for (op, covered) in spec.operations.iter().zip(&self.operations) {
            let what = format!("{} {}", op.method, op.template);
            if covered.interactions == 0 {
                findings.push(
                    Finding::about_file(spec_file, Kind::Coverage)
                        .operation(&op.id)
                        .pointer(&op.pointer)
                        .expected("at least one recorded interaction", "none")
                        .message(format!("no recorded interaction of `{}` ({what})", op.id)),
                );
                continue;
            }
            if requirement != Requirement::Statuses {
                continue;
            }
            for (status, _) in covered.statuses.iter().filter(|(_, n)| *n == 0) {
                findings.push(
                    Finding::about_file(spec_file, Kind::Coverage)
                        .operation(&op.id)
                        .pointer(format!("{}/responses/{}", op.pointer, escape(status)))
                        .expected(format!("an interaction answered {status}"), "none")
                        .message(format!(
                            "no recorded interaction of `{}` ({what}) answered {status}",
                            op.id
                        )),
                );
            }
        }
        findings
    }
}

/// `[(k, v), ...]` as a JSON object, in order.
fn as_map<S: Serializer>(pairs: &[(String, usize)], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Spec {
        Spec::from_document(
            json!({"openapi": "3.0.3", "paths": {
                "/a": {"get": {"operationId": "a", "responses": {
                    "200": {"description": "ok"}, "4XX": {"description": "no"}}}},
                "/b": {"get": {"operationId": "b", "responses": {"200": {"description": "ok"}}}}
            }}),
            "s.yaml",
        )
        .unwrap()
    }

    fn replayed(operation: Option<&str>, status: i64) -> Replayed {
        Replayed {
            file: "f".into(),
            interaction: 0,
            method: "GET".into(),
            path: "/a".into(),
            status,
            operation: operation.map(str::to_string),
            outcome: None,
        }
    }

    #[test]
    fn interactions_count_under_their_operation_and_documented_status() {
        let spec = spec();
        let enums = [EnumSchema {
            pointer: "/e".into(),
            values: vec!["X".into(), "Y".into()],
            open: false,
        }];
        let mut tally = Tally::new(&spec, &enums);
        tally.add(
            &spec,
            &replayed(Some("a"), 200),
            &[EnumHit {
                schema: 0,
                value: 1,
            }],
        );
        tally.add(&spec, &replayed(Some("a"), 404), &[]);
        tally.add(&spec, &replayed(None, 200), &[]);
        let coverage = tally.finish("zero", &spec, "s.yaml", &enums);
        assert_eq!(coverage.operations[0].interactions, 2);
        assert_eq!(
            coverage.operations[0].statuses,
            [("200".to_string(), 1), ("4XX".to_string(), 1)]
        );
        assert_eq!(coverage.operations_seen(), (1, 2));
        assert_eq!(coverage.statuses_seen(), (2, 3));
        assert_eq!(coverage.enum_values_seen(), (1, 2));
        let json = serde_json::to_value(&coverage).unwrap();
        assert_eq!(json["enums"][0]["values"], json!({"X": 0, "Y": 1}));
    }

    #[test]
    fn a_required_operation_or_status_without_interactions_is_a_coverage_error() {
        let spec = spec();
        let mut tally = Tally::new(&spec, &[]);
        tally.add(&spec, &replayed(Some("a"), 200), &[]);
        let coverage = tally.finish("zero", &spec, "s.yaml", &[]);
        let gaps = |r| -> Vec<(Option<String>, String)> {
            coverage
                .gaps(r, &spec)
                .into_iter()
                .map(|f| (f.operation, f.pointer))
                .collect()
        };
        assert_eq!(
            gaps(Requirement::Operations),
            [(Some("b".into()), "/paths/~1b/get".into())]
        );
        assert_eq!(
            gaps(Requirement::Statuses),
            [
                (Some("a".into()), "/paths/~1a/get/responses/4XX".into()),
                (Some("b".into()), "/paths/~1b/get".into())
            ]
        );
    }
}
