//! Operations: their Rust names, and the files that implement them.

use crate::naming::Overrides;
use crate::schema::Operation;

/// The name of an operation's request type: `StartProteinDesign`, `ListAdmeResults`, ….
pub(crate) fn struct_name(op: &Operation, overrides: &Overrides) -> Result<String, String> {
    let stem = overrides
        .resources
        .get(&op.resource)
        .ok_or_else(|| format!("overrides: no stem for resource `{}`", op.resource))?;
    Ok(match op.method.as_str() {
        "start" => format!("Start{stem}"),
        "retrieve" => format!("Retrieve{stem}"),
        "list" => {
            // Plural, by the noun's last word: `ListProteinDesignRuns`, `ListProteinLibraryScreens`.
            let noun =
                overrides.nouns.get(&op.resource).and_then(|n| n.rsplit(' ').next()).unwrap_or_default();
            let thing = crate::naming::camel(noun);
            if stem.ends_with(&thing) { format!("List{stem}s") } else { format!("List{stem}{thing}s") }
        }
        "list_results" => format!("List{stem}Results"),
        "delete_data" => format!("Delete{stem}Data"),
        "estimate_cost" => format!("Estimate{stem}Cost"),
        "stop" => format!("Stop{stem}"),
        "resume" => format!("Resume{stem}"),
        "list_curated_specifications" => "ListCuratedSpecifications".to_owned(),
        "create" => format!("Create{stem}"),
        "archive" => format!("Archive{stem}"),
        "read" => format!("Read{stem}"),
        "list_pipeline_results" => "ListSharedPipelineResults".to_owned(),
        other => return Err(format!("{}: no naming rule for `{other}`", op.resource)),
    })
}
