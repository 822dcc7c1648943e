//! Sync throughput against `rclone copy`: the same 100 files of 2 MB, to the same local
//! s3s-fs server, at the same concurrency (`--transfers`), in alternating rounds.
//!
//! `cargo bench -p storyreel-engine --bench sync` (needs s3s-fs and rclone; `.ci/run` installs
//! s3s-fs, `apt-get install rclone` the other). Our time covers claiming each upload, reading
//! and hashing the file, the PUT, the verifying HEAD and the flushed commit of its URL.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rand::RngCore;
use storyreel_engine::config::Config;
use storyreel_engine::model::Lane;
use storyreel_engine::secrets::StaticSecrets;
use storyreel_engine::sync::target::{ACCESS_KEY, SECRET_KEY};
use storyreel_engine::{Engine, EngineOptions, ImportOptions};
use storyreel_testkit::s3::{self, S3Server};

const FILES: usize = 100;
const SIZE: usize = 2 * 1024 * 1024;
const CONCURRENCY: usize = 4;
const ROUNDS: usize = 3;

fn main() {
    if let Err(e) = storyreel_testkit::s3::s3s_fs_binary() {
        eprintln!("skipped: {e}");
        return;
    }
    if Command::new("rclone").arg("version").output().is_err() {
        eprintln!("skipped: rclone is not installed (apt-get install rclone)");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = S3Server::start();
    let work = tempfile::tempdir().expect("temp");
    let files = work.path().join("files");
    std::fs::create_dir_all(&files).expect("files folder");
    let mut data = vec![0u8; SIZE];
    let mut rng = rand::rng();
    let mut blobs = Vec::new();
    for i in 0..FILES {
        rng.fill_bytes(&mut data);
        std::fs::write(files.join(format!("f-{i:03}.jpg")), &data).expect("write file");
        blobs.push(data.clone());
    }
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for round in 0..ROUNDS {
        let bucket = format!("ours-{round}");
        server.create_bucket(&bucket);
        let t = rt.block_on(storyreel_round(&server, &bucket, &blobs, work.path()));
        ours.push(t);
        let bucket = format!("rclone-{round}");
        server.create_bucket(&bucket);
        let t = rclone_round(&server, &bucket, &files);
        theirs.push(t);
        println!(
            "round {}: storyreel {:.2} s, rclone {:.2} s",
            round + 1,
            ours[round].as_secs_f64(),
            theirs[round].as_secs_f64()
        );
    }
    ours.sort();
    theirs.sort();
    let (o, r) = (ours[ROUNDS / 2], theirs[ROUNDS / 2]);
    let mb = (FILES * SIZE) as f64 / 1e6;
    println!(
        "sync {FILES} files x 2 MB, concurrency {CONCURRENCY}: storyreel {:.2} s ({:.0} MB/s), rclone copy {:.2} s ({:.0} MB/s), ratio {:.2} (median of {ROUNDS})",
        o.as_secs_f64(),
        mb / o.as_secs_f64(),
        r.as_secs_f64(),
        mb / r.as_secs_f64(),
        o.as_secs_f64() / r.as_secs_f64()
    );
}

async fn storyreel_round(
    server: &S3Server,
    bucket: &str,
    blobs: &[Vec<u8>],
    work: &Path,
) -> Duration {
    let dir = work.join(format!("data-{bucket}"));
    let mut cfg = Config::default();
    cfg.sync.target = Some(format!("s3://{bucket}/bench"));
    cfg.sync.endpoint = Some(server.endpoint());
    cfg.sync.concurrency = Some(CONCURRENCY);
    let secrets = StaticSecrets::default()
        .with(ACCESS_KEY, s3::ACCESS_KEY)
        .with(SECRET_KEY, s3::SECRET_KEY);
    let e = Engine::open(EngineOptions {
        secrets: std::sync::Arc::new(secrets),
        ..EngineOptions::new(&dir, cfg)
    })
    .expect("engine");
    let p = e
        .import(b"One scene.", "bench.txt", ImportOptions::default())
        .await
        .expect("import")
        .project;
    for (i, b) in blobs.iter().enumerate() {
        let hash = e.assets().put(b, "jpg").expect("asset");
        e.enqueue_file_upload(p.id, &format!("f-{i:03}.jpg"), &hash, "jpg")
            .await
            .expect("enqueue");
    }
    let t0 = Instant::now();
    let w = e.start_lanes(&[Lane::Upload]);
    while e.uploads_outstanding(None).expect("count") > 0 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let took = t0.elapsed();
    w.shutdown().await;
    assert_eq!(e.sync_report(None).expect("report").counts.failed, 0);
    took
}

fn rclone_round(server: &S3Server, bucket: &str, files: &Path) -> Duration {
    let t0 = Instant::now();
    let out = Command::new("rclone")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", files.parent().unwrap_or(files))
        .env("RCLONE_CONFIG_BENCH_TYPE", "s3")
        .env("RCLONE_CONFIG_BENCH_PROVIDER", "Other")
        .env("RCLONE_CONFIG_BENCH_ACCESS_KEY_ID", s3::ACCESS_KEY)
        .env("RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY", s3::SECRET_KEY)
        .env("RCLONE_CONFIG_BENCH_ENDPOINT", server.endpoint())
        .env("RCLONE_CONFIG_BENCH_REGION", "us-east-1")
        .arg("copy")
        .arg(files)
        .arg(format!("bench:{bucket}/bench"))
        .args(["--transfers", &CONCURRENCY.to_string()])
        .output()
        .expect("rclone runs");
    let took = t0.elapsed();
    assert!(
        out.status.success(),
        "rclone failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}
