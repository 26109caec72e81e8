//! Errors of model building, losses and inference.

/// What went wrong, with the component that reported it.
#[derive(Debug, thiserror::Error)]
pub enum HvisnetError {
    /// An inconsistent model config.
    #[error("invalid model config `{key}`: {reason}")]
    Config {
        /// The offending key (dotted path inside `[model]`).
        key: &'static str,
        /// What was expected.
        reason: String,
    },
    /// Inputs or targets of the wrong size.
    #[error("{what}: expected {expected}, got {got}")]
    Input {
        /// Which input.
        what: &'static str,
        /// What was expected.
        expected: String,
        /// What was given.
        got: String,
    },
    /// The FCOS head.
    #[error(transparent)]
    Fcos(#[from] fcos::FcosError),
    /// The mask branch.
    #[error(transparent)]
    BlendMask(#[from] blendmask::BlendMaskError),
    /// The ID branch.
    #[error(transparent)]
    IdBranch(#[from] idbranch::IdBranchError),
    /// Target assignment.
    #[error(transparent)]
    Sampler(#[from] sampler::SamplerError),
}
