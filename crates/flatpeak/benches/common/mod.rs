//! What the benches share: a `main` that runs criterion's group, then a paired measurement.

/// Runs `criterion` (a `criterion_group!`) and then `paired`. `cargo bench -- paired` runs the
/// paired measurement alone; criterion's own arguments (filters, `--list`, `--test`) go to
/// criterion, and listing or testing skips the paired measurement.
pub fn main(criterion: fn(), paired: fn()) {
    let args: Vec<String> = std::env::args().collect();
    let paired_only = args.iter().any(|a| a == "paired");
    let listing = args.iter().any(|a| a == "--list" || a == "--test");
    if !paired_only {
        criterion();
        criterion::Criterion::default()
            .configure_from_args()
            .final_summary();
    }
    if paired_only || !listing {
        paired();
    }
}
