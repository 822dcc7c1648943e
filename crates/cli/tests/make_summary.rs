//! What `make` says at the end: why scenes became title cards (once per reason), and nothing
//! about reasons when no provider is set up (a title card is then the intended picture).

mod common;

use common::Sandbox;
use storyreel_testkit::{Fault, FaultServer, Route};

#[test]
fn make_says_once_why_scenes_became_title_cards() {
    let server = FaultServer::start();
    server.set_default(Route::OpenAi, Fault::Unauthorized);
    let sb = Sandbox::new();
    let cfg = sb.write(
        "c.toml",
        &format!(
            "[generation]\nproviders = [\"openai\", \"titlecard\"]\n\n[providers.openai]\nbase_url = \"{}/v1\"\n",
            server.url()
        ),
    );
    let story = sb.write(
        "lamp.md",
        "# Lamp\n\nThe keeper lights the lamp.\n\nThe storm arrives at dusk.\n\nMorning comes, calm and grey.\n",
    );
    let r = sb
        .cmd()
        .args(["--config", cfg.to_str().unwrap(), "make", story.to_str().unwrap()])
        .env("OPENAI_API_KEY", "sk-test-summary-key")
        .output()
        .unwrap();
    let r = common::Run::from(r);
    r.expect(
        0,
        &[
            "Done: 'Lamp' has 3 scenes with images (3 title cards)",
            "Title cards for scenes 1, 2 and 3: ",
            "--placeholders` tries the image providers again",
        ],
    );
    assert_eq!(
        r.stdout.matches("Title cards for").count(),
        1,
        "one line per reason:\n{}",
        r.stdout
    );
    assert!(!r.stdout.contains("sk-test-summary-key"), "{}", r.stdout);

    // No provider set up: title cards are the intended result, so no reason is given.
    let sb = Sandbox::new();
    let story = sb.write("one.md", "# One\n\nA single lamp.\n");
    let r = sb.run(&["make", story.to_str().unwrap()]);
    r.expect(0, &["Done: 'One' has 1 scene with images (1 title card)"]);
    assert!(!r.stdout.contains("Title cards for"), "{}", r.stdout);
}
