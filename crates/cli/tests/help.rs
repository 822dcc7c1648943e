//! `--help`: every subcommand, option and argument has a line saying what it does.

mod common;

use common::Sandbox;

const COMMANDS: [&str; 14] = [
    "make",
    "import",
    "work",
    "status",
    "list",
    "retry",
    "cancel",
    "pause",
    "resume",
    "export",
    "render",
    "sync",
    "providers",
    "doctor",
];

#[test]
fn every_option_and_argument_has_a_line() {
    let sb = Sandbox::new();
    for c in COMMANDS {
        let r = sb.run(&[c, "--help"]);
        r.expect(0, &[]);
        let mut section = false;
        for line in r.stdout.lines() {
            if line.starts_with("Arguments:") || line.starts_with("Options:") {
                section = true;
                continue;
            }
            let item = line.trim_start();
            if !section
                || !(item.starts_with('-') || item.starts_with('<') || item.starts_with('['))
            {
                continue;
            }
            // "  --json  Print …": the name, two spaces or more, then words.
            let described = item
                .split("  ")
                .skip(1)
                .any(|part| part.trim().chars().next().is_some_and(char::is_alphabetic));
            assert!(
                described || line.starts_with("          "),
                "`storyreel {c} --help` has no words for: {line:?}\n{}",
                r.stdout
            );
        }
    }
}
