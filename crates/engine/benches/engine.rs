//! StoryReel engine benchmarks: `cargo bench -p storyreel-engine --bench engine`.
//!
//! 1. Title card render + encode per scene (the physical limit of the offline pipeline), in
//!    Latin and in CJK (which also reads the system's fonts, once).
//! 2. `make` throughput on a 200-scene story vs the bare render loop at the same concurrency.
//! 3. The cost of flushing before acknowledging: claim + finish cycles, flushed vs not.
//! 4. Enqueue of 10,000 scenes (one transaction, one flush).
//! 5. Start-up recovery with 100,000 jobs in the store (1,000 of them left running).
//! 6. Providers: 30 scenes against a test server answering in a fixed 500 ms, concurrency 3,
//!    against the ideal 30 / 3 x 0.5 s.
//!
//! Numbers are printed as a Markdown table for BENCHMARKS.md.

use std::sync::Arc;
use std::time::{Duration, Instant};

use storyreel_engine::assets::AssetStore;
use storyreel_engine::config::{Config, ImageFormat};
use storyreel_engine::model::{now_ms, Aspect, Lane};
use storyreel_engine::providers::titlecard;
use storyreel_engine::providers::ImageRequest;
use storyreel_engine::queue::Claim;
use storyreel_engine::{imaging, Engine, EngineOptions, ImportOptions};

fn story(n: usize) -> String {
    (1..=n).map(|i| format!("Scene {i}: the keeper climbs the tower while the storm gathers over the grey sea, step after step.\n\n")).collect()
}

fn request(i: u32) -> ImageRequest {
    ImageRequest {
        project_id: uuid::Uuid::nil(),
        scene_index: i,
        scene_count: 200,
        title: None,
        text: format!("Scene {i}: the keeper climbs the tower while the storm gathers over the grey sea, step after step."),
        prompt: String::new(),
        negative_prompt: None,
        style: "cinematic".into(),
        frame: Aspect::Portrait.frame(),
        variation: 1,
        cast: Default::default(),
    }
}

/// What one scene costs without the queue: draw, encode, thumbnail, hash and store the files.
fn bare_scene(i: u32, assets: &AssetStore) {
    let img = titlecard::render(&request(i), None);
    let bytes = imaging::encode(&img, ImageFormat::Jpeg, 90).expect("encode");
    let thumb = imaging::thumbnail(&img).expect("thumb");
    assets.put(&bytes, "jpg").expect("put");
    assets.put(&thumb, "jpg").expect("put");
}

/// Draw, encode, thumbnail and hash one card, 30 times: the mean of each step.
fn card_row(name: &str, req: &ImageRequest) {
    let n = 30;
    let (mut r, mut e, mut t) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for _ in 0..n {
        let t0 = Instant::now();
        let img = titlecard::render(req, None);
        let t1 = Instant::now();
        let bytes = imaging::encode(&img, ImageFormat::Jpeg, 90).expect("encode");
        let t2 = Instant::now();
        let thumb = imaging::thumbnail(&img).expect("thumb");
        let _ = imaging::hash(&bytes);
        let _ = imaging::hash(&thumb);
        let t3 = Instant::now();
        r += t1 - t0;
        e += t2 - t1;
        t += t3 - t2;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0 / n as f64;
    row(
        name,
        format!("{:.1} ms/scene", ms(r + e + t)),
        &format!(
            "draw {:.1} ms + JPEG q90 {:.1} ms + thumbnail and hashes {:.1} ms; mean of {n}",
            ms(r),
            ms(e),
            ms(t)
        ),
    );
}

fn row(name: &str, value: String, note: &str) {
    println!("| {name} | {value} | {note} |");
}

fn main() {
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let want = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!("| benchmark | result | notes |\n|---|---|---|");

    if want("render") {
        card_row("title card 1080x1920, one thread", &request(7));
    }

    if want("card-cjk") {
        // The first card in another script reads the system's fonts, once per process.
        let mut req = request(7);
        req.text = "第七場：嵐が灰色の海の上に集まる中、灯台守は一歩一歩塔を登っていく。".into();
        let t0 = Instant::now();
        let _ = titlecard::render(&req, None);
        row(
            "first CJK card of a process (reads the system's fonts)",
            format!("{:.0} ms", t0.elapsed().as_secs_f64() * 1000.0),
            "once per process",
        );
        card_row("title card 1080x1920, CJK text, one thread", &req);
    }

    if want("steps") {
        // The picture work after a provider answers, for a small and a typical provider image.
        let dir = tempfile::tempdir().expect("tmp");
        let assets = AssetStore::open(dir.path()).expect("assets");
        let frame = Aspect::Portrait.frame();
        for (w, h) in [(96u32, 160u32), (1024, 1536)] {
            let src = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([x as u8, y as u8, 99])
            }));
            let n = 10;
            let (mut c, mut e, mut t, mut p) = (
                Duration::ZERO,
                Duration::ZERO,
                Duration::ZERO,
                Duration::ZERO,
            );
            for i in 0..n {
                let t0 = Instant::now();
                let rgb = imaging::cover(&src, frame);
                let t1 = Instant::now();
                let mut bytes = imaging::encode(&rgb, ImageFormat::Jpeg, 90).expect("encode");
                let t2 = Instant::now();
                let thumb = imaging::thumbnail(&rgb).expect("thumb");
                let t3 = Instant::now();
                bytes.push(i as u8);
                assets.put(&bytes, "jpg").expect("put");
                assets.put(&thumb, "jpg").expect("put");
                let t4 = Instant::now();
                c += t1 - t0;
                e += t2 - t1;
                t += t3 - t2;
                p += t4 - t3;
            }
            let ms = |d: Duration| d.as_secs_f64() * 1000.0 / n as f64;
            row(
                &format!("picture work for a {w}x{h} provider image"),
                format!("{:.1} ms", ms(c + e + t + p)),
                &format!(
                    "cover {:.1} + JPEG {:.1} + thumbnail {:.1} + two fsynced writes {:.1} ms",
                    ms(c),
                    ms(e),
                    ms(t),
                    ms(p)
                ),
            );
        }
    }

    if want("make") {
        let scenes = 200;
        let conc = 3;
        // Bare loop: the same work on `conc` threads, no queue, no database.
        let dir = tempfile::tempdir().expect("tmp");
        let assets = Arc::new(AssetStore::open(dir.path()).expect("assets"));
        let t0 = Instant::now();
        let next = Arc::new(std::sync::atomic::AtomicU32::new(1));
        let handles: Vec<_> = (0..conc)
            .map(|_| {
                let (assets, next) = (assets.clone(), next.clone());
                std::thread::spawn(move || loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i > scenes {
                        break;
                    }
                    bare_scene(i, &assets);
                })
            })
            .collect();
        for h in handles {
            h.join().expect("thread");
        }
        let bare = t0.elapsed().as_secs_f64();

        // The real pipeline: import, workers, commit each scene, flush before acknowledging.
        let dir = tempfile::tempdir().expect("tmp");
        let engine = Engine::open(EngineOptions::new(dir.path(), Config::default())).expect("open");
        let _events = engine.subscribe(); // a listener, as the CLI and the app have
        let t0 = Instant::now();
        rt.block_on(async {
            engine
                .import(
                    story(scenes as usize).as_bytes(),
                    "b.md",
                    ImportOptions::default(),
                )
                .await
                .expect("import");
            let w = engine.start();
            while !engine.is_idle().expect("idle") {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            w.shutdown().await;
        });
        let piped = t0.elapsed().as_secs_f64();
        row(
            "bare render loop, 200 scenes, 3 threads",
            format!("{:.2} scenes/s", scenes as f64 / bare),
            &format!("{bare:.2} s"),
        );
        row(
            "`make` pipeline, 200 scenes, concurrency 3",
            format!("{:.2} scenes/s", scenes as f64 / piped),
            &format!("{piped:.2} s"),
        );
        row(
            "pipeline overhead over the bare loop",
            format!("{:+.1} %", (piped / bare - 1.0) * 100.0),
            "target: under 10 %",
        );
    }

    if want("flush") {
        for durable in [true, false] {
            let dir = tempfile::tempdir().expect("tmp");
            let mut cfg = Config::default();
            cfg.story.max_scenes = 2000;
            let engine = Engine::open(EngineOptions {
                durable,
                ..EngineOptions::new(dir.path(), cfg)
            })
            .expect("open");
            let n = 2000;
            rt.block_on(engine.import(story(n).as_bytes(), "f.md", ImportOptions::default()))
                .expect("import");
            let q = engine.queue();
            let t0 = Instant::now();
            rt.block_on(async {
                for _ in 0..n {
                    let Claim::Job(j) = q.claim(Lane::Generate).await.expect("claim") else {
                        panic!("empty")
                    };
                    q.finish(j.id, j.attempt, |_, _| Ok(())).expect("finish");
                    engine.store().flush().await.expect("flush");
                }
            });
            let per = t0.elapsed().as_secs_f64() * 1e6 / n as f64;
            row(
                &format!(
                    "claim + finish cycle, {}",
                    if durable {
                        "flushed (as shipped)"
                    } else {
                        "not flushed"
                    }
                ),
                format!("{per:.0} µs/job"),
                "2 transactions per job; flushed = 2 fsyncs per job",
            );
        }
    }

    if want("enqueue") {
        let dir = tempfile::tempdir().expect("tmp");
        let mut cfg = Config::default();
        cfg.story.max_scenes = 10_000;
        let engine = Engine::open(EngineOptions::new(dir.path(), cfg)).expect("open");
        let text = story(10_000);
        let t0 = Instant::now();
        rt.block_on(engine.import(text.as_bytes(), "big.md", ImportOptions::default()))
            .expect("import");
        let el = t0.elapsed().as_secs_f64();
        row(
            "enqueue 10,000 scenes (parse + one transaction + one flush)",
            format!("{:.3} s", el),
            "target: under 1 s",
        );
    }

    if want("providers") {
        let server = storyreel_testkit::FaultServer::start();
        server.set_default(
            storyreel_testkit::Route::OpenAi,
            storyreel_testkit::Fault::Slow(Duration::from_millis(500)),
        );
        let dir = tempfile::tempdir().expect("tmp");
        let mut cfg = Config::default();
        cfg.generation.providers = vec!["openai".into(), "titlecard".into()];
        cfg.generation.concurrency = 3;
        cfg.providers.openai.base_url = Some(format!("{}/v1", server.url()));
        let secrets =
            storyreel_engine::secrets::StaticSecrets::default().with("openai", "bench-key");
        let durable = std::env::var("BENCH_NO_FLUSH").is_err();
        let opts = EngineOptions {
            secrets: Arc::new(secrets),
            durable,
            ..EngineOptions::new(dir.path(), cfg)
        };
        let engine = Engine::open(opts).expect("open");
        let _events = engine.subscribe();
        let scenes = 30;
        let (took, placeholders) = rt.block_on(async {
            let p = engine
                .import(story(scenes).as_bytes(), "p.md", ImportOptions::default())
                .await
                .expect("import")
                .project;
            let t0 = Instant::now();
            let w = engine.start();
            while !engine.is_idle().expect("idle") {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let took = t0.elapsed().as_secs_f64();
            w.shutdown().await;
            (took, engine.progress(&p).expect("progress").placeholders)
        });
        assert_eq!(placeholders, 0, "every scene from the provider");
        let ideal = scenes as f64 / 3.0 * 0.5;
        row(
            "30 scenes, provider answering in 500 ms, concurrency 3",
            format!("{took:.2} s = {:.3} x ideal", took / ideal),
            &format!("ideal {ideal:.1} s; target: at most 1.05 x"),
        );
    }

    if want("recovery") {
        let dir = tempfile::tempdir().expect("tmp");
        let mut cfg = Config::default();
        cfg.story.max_scenes = 10_000;
        {
            let engine = Engine::open(EngineOptions::new(dir.path(), cfg.clone())).expect("open");
            for k in 0..10 {
                let text = format!("# Story {k}\n\n{}", story(10_000));
                rt.block_on(engine.import(
                    text.as_bytes(),
                    &format!("s{k}.md"),
                    ImportOptions::default(),
                ))
                .expect("import");
            }
            for _ in 0..1000 {
                let Claim::Job(_) = engine
                    .queue()
                    .claim_sync(Lane::Generate, now_ms())
                    .expect("claim")
                else {
                    panic!()
                };
            }
            engine.store().flush_blocking().expect("flush");
        }
        let t0 = Instant::now();
        let engine = Engine::open(EngineOptions::new(dir.path(), cfg)).expect("reopen");
        let el = t0.elapsed().as_secs_f64();
        assert_eq!(engine.recovered_at_open(), 1000);
        let jobs = engine.store().all_jobs().expect("jobs").len();
        row(
            &format!("start-up with {jobs} jobs in the store, 1,000 left running"),
            format!("{:.3} s", el),
            "open sled + re-queue the 1,000; target: under 1 s",
        );
    }
}
