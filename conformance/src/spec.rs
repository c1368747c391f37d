//! The spec as the gate reads it: through the workspace's one model of an OpenAPI document
//! ([`spec_model`]), which the generator reads it through too, so the two never disagree on
//! what an operation is called or which parameters it takes.

use std::path::Path;

#[cfg(feature = "synth")]
pub use spec_model::Parameter;
pub use spec_model::{
    Location, Media, Operation, Response, Spec, escape, local_pointer, push_index, push_token,
    unescape,
};

use crate::RunError;

/// Reads the spec at `path`; the error names the file and the place in it.
pub fn load(path: &Path) -> Result<Spec, RunError> {
    Ok(Spec::load(path)?)
}
