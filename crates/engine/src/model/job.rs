//! A durable job: what it is (its payload, one variant per lane's work), where it stands in the
//! queue, and how it is stored.
//!
//! The stored form keeps the layout every earlier version wrote — `kind` beside the common
//! fields, and the upload or render details under `upload` / `render` — so a data folder needs no
//! migration; in memory a job cannot be an upload without its upload details.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{new_id, now_ms, Lane, RenderSpec, UserError, SCHEMA_VERSION};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    GenerateScene,
    UploadAsset,
    RenderVideo,
    NarrateScene,
}

impl JobKind {
    pub fn lane(self) -> Lane {
        match self {
            JobKind::GenerateScene => Lane::Generate,
            JobKind::UploadAsset => Lane::Upload,
            JobKind::RenderVideo => Lane::Render,
            JobKind::NarrateScene => Lane::Narrate,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }
    pub fn name(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }
}

/// What a job does, with everything its lane needs to do it.
#[derive(Debug, Clone, PartialEq)]
pub enum JobPayload {
    /// Make a scene's picture through the provider chain.
    GenerateScene,
    /// Upload a content-addressed file to the sync target.
    UploadAsset(Box<UploadSpec>),
    /// Render the project's video.
    RenderVideo(Box<RenderSpec>),
    /// Narrate a scene through the voice chain (silence at the end of it).
    NarrateScene,
}

impl JobPayload {
    pub fn kind(&self) -> JobKind {
        match self {
            JobPayload::GenerateScene => JobKind::GenerateScene,
            JobPayload::UploadAsset(_) => JobKind::UploadAsset,
            JobPayload::RenderVideo(_) => JobKind::RenderVideo,
            JobPayload::NarrateScene => JobKind::NarrateScene,
        }
    }
}

/// What an UploadAsset job uploads: a content-addressed file and the object's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadSpec {
    pub hash: String,
    pub ext: String,
    pub bytes: u64,
    /// The object's name below the target's prefix (`projects/{project}/scene-001-ab12cd34.jpg`).
    pub key: String,
    /// The target, as configured when the job was queued.
    pub target: String,
    /// A multipart upload begun by an attempt: aborted before the next attempt starts over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipart: Option<String>,
}

/// A durable unit of work in a lane's queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "JobRecord", into = "JobRecord")]
pub struct Job {
    pub v: u32,
    pub id: Uuid,
    pub payload: JobPayload,
    pub project_id: Uuid,
    pub scene_index: Option<u32>,
    pub status: JobStatus,
    /// Higher runs first.
    pub priority: u8,
    /// Order within a priority; from the database's monotonic id generator.
    pub seq: u64,
    /// Number of times the job was claimed; completion is fenced by it.
    pub attempt: u32,
    /// Failed tries (errors and expired leases) counted against `max_attempts`.
    pub failures: u32,
    /// Times the job was interrupted by the process stopping (not the job's fault).
    pub interrupts: u32,
    /// The tries a person is shown: a claim counts, a hand-back at a stop or a restart's
    /// recovery takes it back, a retry starts again from 0 (`attempt` only ever grows: it
    /// fences completions).
    pub tries: u32,
    /// Not claimable before this time (ms since epoch; 0 = now).
    pub not_before: u64,
    pub lease_until: u64,
    pub created_at: u64,
    pub updated_at: u64,
    pub started_at: Option<u64>,
    pub finished_at: Option<u64>,
    pub error: Option<UserError>,
    /// What the running job is doing now, for display.
    pub phase: Option<String>,
}

impl Job {
    pub fn new(
        payload: JobPayload,
        project_id: Uuid,
        scene_index: Option<u32>,
        seq: u64,
        priority: u8,
    ) -> Job {
        let now = now_ms();
        Job {
            v: SCHEMA_VERSION,
            id: new_id(),
            payload,
            project_id,
            scene_index,
            status: JobStatus::Queued,
            priority,
            seq,
            attempt: 0,
            failures: 0,
            interrupts: 0,
            tries: 0,
            not_before: 0,
            lease_until: 0,
            created_at: now,
            updated_at: now,
            started_at: None,
            finished_at: None,
            error: None,
            phase: None,
        }
    }
    pub fn kind(&self) -> JobKind {
        self.payload.kind()
    }
    pub fn lane(&self) -> Lane {
        self.kind().lane()
    }
    /// An upload job's details.
    pub fn upload(&self) -> Option<&UploadSpec> {
        match &self.payload {
            JobPayload::UploadAsset(u) => Some(u),
            _ => None,
        }
    }
    pub fn upload_mut(&mut self) -> Option<&mut UploadSpec> {
        match &mut self.payload {
            JobPayload::UploadAsset(u) => Some(u),
            _ => None,
        }
    }
    /// A render job's details.
    pub fn render_spec(&self) -> Option<&RenderSpec> {
        match &self.payload {
            JobPayload::RenderVideo(r) => Some(r),
            _ => None,
        }
    }
}

/// A job as stored: the payload's kind and details as separate fields.
#[derive(Serialize, Deserialize)]
struct JobRecord {
    v: u32,
    id: Uuid,
    kind: JobKind,
    project_id: Uuid,
    scene_index: Option<u32>,
    status: JobStatus,
    priority: u8,
    seq: u64,
    attempt: u32,
    failures: u32,
    interrupts: u32,
    /// Absent in records from before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tries: Option<u32>,
    not_before: u64,
    lease_until: u64,
    created_at: u64,
    updated_at: u64,
    started_at: Option<u64>,
    finished_at: Option<u64>,
    error: Option<UserError>,
    phase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upload: Option<Box<UploadSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    render: Option<Box<RenderSpec>>,
}

/// A stored job whose kind lacks the details it needs.
#[derive(Debug, thiserror::Error)]
#[error("a {0:?} job is stored without its details")]
pub struct MissingPayload(JobKind);

impl TryFrom<JobRecord> for Job {
    type Error = MissingPayload;
    fn try_from(r: JobRecord) -> Result<Job, MissingPayload> {
        let payload = match r.kind {
            JobKind::GenerateScene => JobPayload::GenerateScene,
            JobKind::UploadAsset => {
                JobPayload::UploadAsset(r.upload.ok_or(MissingPayload(r.kind))?)
            }
            JobKind::RenderVideo => {
                JobPayload::RenderVideo(r.render.ok_or(MissingPayload(r.kind))?)
            }
            JobKind::NarrateScene => JobPayload::NarrateScene,
        };
        Ok(Job {
            v: r.v,
            id: r.id,
            payload,
            project_id: r.project_id,
            scene_index: r.scene_index,
            status: r.status,
            priority: r.priority,
            seq: r.seq,
            attempt: r.attempt,
            failures: r.failures,
            interrupts: r.interrupts,
            // An older record: its counted failures, and the try that is running or succeeded.
            tries: r.tries.unwrap_or_else(|| {
                r.failures.saturating_add(u32::from(matches!(
                    r.status,
                    JobStatus::Running | JobStatus::Succeeded
                )))
            }),
            not_before: r.not_before,
            lease_until: r.lease_until,
            created_at: r.created_at,
            updated_at: r.updated_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            error: r.error,
            phase: r.phase,
        })
    }
}

impl From<Job> for JobRecord {
    fn from(j: Job) -> JobRecord {
        let kind = j.kind();
        let (upload, render) = match j.payload {
            JobPayload::GenerateScene | JobPayload::NarrateScene => (None, None),
            JobPayload::UploadAsset(u) => (Some(u), None),
            JobPayload::RenderVideo(r) => (None, Some(r)),
        };
        JobRecord {
            v: j.v,
            id: j.id,
            kind,
            project_id: j.project_id,
            scene_index: j.scene_index,
            status: j.status,
            priority: j.priority,
            seq: j.seq,
            attempt: j.attempt,
            failures: j.failures,
            interrupts: j.interrupts,
            tries: Some(j.tries),
            not_before: j.not_before,
            lease_until: j.lease_until,
            created_at: j.created_at,
            updated_at: j.updated_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
            error: j.error,
            phase: j.phase,
            upload,
            render,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_layout_is_unchanged() {
        let spec = UploadSpec {
            hash: "ab".into(),
            ext: "png".into(),
            bytes: 3,
            key: "k".into(),
            target: "s3://b".into(),
            multipart: None,
        };
        let j = Job::new(
            JobPayload::UploadAsset(Box::new(spec.clone())),
            Uuid::nil(),
            Some(1),
            7,
            2,
        );
        let v: serde_json::Value = serde_json::to_value(&j).unwrap();
        assert_eq!(v["kind"], "upload_asset");
        assert_eq!(v["upload"]["key"], "k");
        assert!(v.get("render").is_none() && v.get("payload").is_none());
        let back: Job = serde_json::from_value(v).unwrap();
        assert_eq!(back, j);
        assert_eq!(back.upload(), Some(&spec));

        let g = Job::new(JobPayload::GenerateScene, Uuid::nil(), Some(1), 8, 0);
        let v = serde_json::to_value(&g).unwrap();
        assert_eq!(v["kind"], "generate_scene");
        assert!(v.get("upload").is_none());
    }

    #[test]
    fn a_stored_upload_without_details_is_refused() {
        let g = Job::new(JobPayload::GenerateScene, Uuid::nil(), Some(1), 8, 0);
        let mut v = serde_json::to_value(&g).unwrap();
        v["kind"] = "upload_asset".into();
        let e = serde_json::from_value::<Job>(v).unwrap_err().to_string();
        assert!(e.contains("without its details"), "{e}");
    }
}
