//! `storyreel voices`: every voice, whether it is in the chain and usable now (or why not), and
//! the voices each one has. Needs no data folder: keys come from the environment.

use std::process::ExitCode;

use storyreel_engine::secrets::EnvSecrets;
use storyreel_engine::voices::build::{report, VoiceRow};
use storyreel_engine::Result;

use crate::output;
use crate::setup::Context;

pub async fn voices(ctx: &Context, json: bool) -> Result<ExitCode> {
    let rows = report(
        ctx.config()?,
        &EnvSecrets,
        Some(ctx.data_dir_path()?),
        &|_| None,
    )
    .await;
    if json {
        output::json(&serde_json::json!({ "voices": rows }));
    } else {
        show(&rows);
    }
    Ok(ExitCode::SUCCESS)
}

fn what(r: &VoiceRow) -> String {
    if !r.usable {
        return r.note.clone().unwrap_or_else(|| "not usable now.".into());
    }
    match r.name.as_str() {
        "silence" => "always last: no sound, captions at reading pace.".into(),
        _ if r.voices.is_empty() => "ready.".into(),
        _ => {
            let names: Vec<&str> = r.voices.iter().take(6).map(|v| v.id.as_str()).collect();
            let more = r.voices.len().saturating_sub(names.len());
            format!(
                "ready: {}{}.",
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )
        }
    }
}

fn show(rows: &[VoiceRow]) {
    let mut chain: Vec<&VoiceRow> = rows.iter().filter(|r| r.in_chain).collect();
    chain.sort_by_key(|r| r.position);
    println!("Voices, in the order they are tried:");
    for r in &chain {
        println!("  {} {:<11} {}", r.position.unwrap_or(0), r.name, what(r));
    }
    let rest: Vec<&VoiceRow> = rows.iter().filter(|r| !r.in_chain).collect();
    if !rest.is_empty() {
        println!("Not in the chain (add them to [voice] voices, or use make --voice NAME):");
        for r in rest {
            println!("    {:<11} {}", r.name, what(r));
        }
    }
}
