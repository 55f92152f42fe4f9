//! `conduit-admin`: what an operator runs against a table, deployed or
//! local, when the background lane could not finish something or a fault
//! left data wrong. Every command names its target in its arguments, is
//! idempotent (a second run changes nothing more), and is conditioned like
//! the writes it stands in for, so it is safe beside live traffic. None is
//! a Lambda route: it runs with the operator's own credentials.
//!
//! ```text
//! conduit-admin audit [--page N]
//! conduit-admin jobs [running|failed] [--limit N]
//! conduit-admin redrive <job>
//! conduit-admin finish <job> [--seconds N]
//! conduit-admin finish-cleanup <article-id> [--author <user-id> --created-at <time>] [--seconds N]
//! conduit-admin rebuild-feed <username> [--seconds N]
//! ```
//!
//! `<job>` is a job's partition key (`JOB#…`) as `jobs` and `audit` print it.
//! The table is `TABLE_NAME` (or `--table`), in `AWS_REGION`, or DynamoDB
//! Local at `DYNAMODB_ENDPOINT`.

use std::{
    fmt::Write as _,
    time::{Duration, Instant},
};

use shared::{
    ApiError,
    ground::keys,
    store::{
        Store,
        jobs::{JobState, Status},
        records::Published,
    },
};

use crate::audit;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did all it was asked, or found nothing wrong.
    Done,
    /// It found problems (`audit`), or stopped before the end (its time ran
    /// out, or a job failed again): run it again, or look closer.
    Unfinished,
}

pub const USAGE: &str = "\
usage: conduit-admin [--table NAME] <command>

  audit [--page N]             every broken invariant of the table, one a line
                               (a scan of N items a page, default 500, that
                               waits while the table throttles it)
  jobs [running|failed] [--limit N]
                               jobs not finished, most recently changed first
  redrive <job>                a failed job running again from its saved state
  finish <job>                 a job run to its end here, from its saved state
  finish-cleanup <article-id> [--author <user-id> --created-at <time>]
                               a deleted article's feed entries, favorites and
                               comments removed (author and time only when the
                               job has no saved state)
  rebuild-feed <username>      a reader's feed and its count made right

  --seconds N                  how long finish, finish-cleanup and rebuild-feed
                               may run (default 600); run again to go on
<job> is a job's partition key (JOB#...) as `jobs` and `audit` print it.";

/// Runs the command `args` (without the program name) against `store`,
/// writing what it found or did to `out`. An error is a usage mistake or a
/// failure of the table.
pub async fn run(store: &Store, args: &[String], out: &mut String) -> Result<Outcome, String> {
    let mut args = Args::new(args);
    let command = args.word().ok_or("no command")?;
    match command.as_str() {
        "audit" => {
            let page = args.number("--page")?.unwrap_or(audit::SCAN_PAGE as u64);
            args.finish()?;
            let page = i32::try_from(page).map_err(|_| "--page is too large")?;
            let items = audit::scan_table(store.table(), page).await?;
            let problems = audit::problems_in(&items);
            for problem in &problems {
                writeln!(out, "{problem}").ok();
            }
            writeln!(out, "{} items, {} problems", items.len(), problems.len()).ok();
            Ok(if problems.is_empty() {
                Outcome::Done
            } else {
                Outcome::Unfinished
            })
        }
        "jobs" => {
            let status = match args.word().as_deref() {
                None | Some("failed") => Status::Failed,
                Some("running") => Status::Running,
                Some(other) => return Err(format!("no job status {other:?}")),
            };
            let limit = args.number("--limit")?.unwrap_or(100);
            args.finish()?;
            let jobs = store
                .jobs()
                .listed(status, usize::try_from(limit).unwrap_or(usize::MAX))
                .await
                .map_err(failed)?;
            for job in &jobs {
                writeln!(out, "{}", describe(job)).ok();
            }
            writeln!(out, "{} {} jobs", jobs.len(), status.as_str()).ok();
            Ok(Outcome::Done)
        }
        "redrive" => {
            let key = job_key(&args.word().ok_or("redrive which job?")?)?;
            args.finish()?;
            match store.jobs().redrive(&key).await.map_err(failed)? {
                Some(state) => {
                    writeln!(out, "running again: {}", describe(&state)).ok();
                    Ok(Outcome::Done)
                }
                None => Err(format!("no job {}", key.pk)),
            }
        }
        "finish" => {
            let key = job_key(&args.word().ok_or("finish which job?")?)?;
            let deadline = args.deadline()?;
            args.finish()?;
            match store.jobs().finish(&key, deadline).await.map_err(failed)? {
                Some(progress) => {
                    writeln!(out, "{progress:?}").ok();
                    Ok(finished(progress.finished))
                }
                None => Err(format!("no job {}", key.pk)),
            }
        }
        "finish-cleanup" => {
            let id = args.word().ok_or("finish the cleanup of which article?")?;
            let author = args.value("--author")?;
            let created_at = args.value("--created-at")?;
            let deadline = args.deadline()?;
            args.finish()?;
            let article = match (author, created_at) {
                (Some(author_id), Some(created_at)) => Published {
                    id,
                    author_id,
                    created_at,
                },
                (None, None) => saved_article(store, &id).await?,
                _ => return Err("--author and --created-at go together".to_owned()),
            };
            match store
                .repair()
                .cleanup(&article, deadline)
                .await
                .map_err(failed)?
            {
                Some(progress) => {
                    writeln!(out, "{progress:?}").ok();
                    Ok(finished(progress.finished))
                }
                None => Err(format!(
                    "article {} exists: nothing to clean up",
                    article.id
                )),
            }
        }
        "rebuild-feed" => {
            let username = args.word().ok_or("rebuild whose feed?")?;
            let deadline = args.deadline()?;
            args.finish()?;
            let user = store
                .users()
                .by_username(&username)
                .await
                .map_err(failed)?
                .ok_or_else(|| format!("no user {username:?}"))?;
            let rebuilt = store
                .repair()
                .feed(&user.id, deadline)
                .await
                .map_err(failed)?;
            writeln!(out, "{rebuilt:?}").ok();
            Ok(finished(rebuilt.finished))
        }
        other => Err(format!("no command {other:?}")),
    }
}

fn finished(done: bool) -> Outcome {
    if done {
        Outcome::Done
    } else {
        Outcome::Unfinished
    }
}

fn failed(err: ApiError) -> String {
    format!("the table refused: {err}")
}

fn job_key(pk: &str) -> Result<keys::Key, String> {
    keys::job_state_at(pk).ok_or_else(|| format!("{pk:?} is not a job (JOB#...)"))
}

/// One line for a job: its key, status, attempts, where it is, its error.
fn describe(job: &JobState) -> String {
    let status = job.status.map_or("done", Status::as_str);
    let mut line = format!(
        "{} {status} attempts={} phase={:?} updated={}",
        job.key().pk,
        job.attempts,
        job.cursor.phase,
        job.updated_at
    );
    if let Some(error) = &job.error {
        write!(line, " error={error:?}").ok();
    }
    line
}

/// The deleted article as its unpublish job saved it.
async fn saved_article(store: &Store, id: &str) -> Result<Published, String> {
    let key = keys::job_state("UNPUBLISH", id);
    match store.jobs().state(&key).await.map_err(failed)? {
        Some(JobState {
            job: shared::store::jobs::Job::Unpublish(article),
            ..
        }) => Ok(article),
        _ => Err(format!(
            "article {id} has no saved cleanup: give --author and --created-at \
             (from the deletion's log line)"
        )),
    }
}

/// The arguments after the command: words in order, and `--name value` options.
struct Args {
    words: Vec<String>,
    options: Vec<(String, String)>,
    error: Option<String>,
}

impl Args {
    fn new(args: &[String]) -> Self {
        let mut parsed = Self {
            words: Vec::new(),
            options: Vec::new(),
            error: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if arg.starts_with("--") {
                match args.next() {
                    Some(value) => parsed.options.push((arg.clone(), value.clone())),
                    None => parsed.error = Some(format!("{arg} needs a value")),
                }
            } else {
                parsed.words.push(arg.clone());
            }
        }
        parsed.words.reverse();
        parsed
    }

    fn word(&mut self) -> Option<String> {
        self.words.pop()
    }

    fn value(&mut self, name: &str) -> Result<Option<String>, String> {
        let Some(at) = self.options.iter().position(|(n, _)| n == name) else {
            return Ok(None);
        };
        Ok(Some(self.options.remove(at).1))
    }

    fn number(&mut self, name: &str) -> Result<Option<u64>, String> {
        self.value(name)?
            .map(|v| v.parse().map_err(|_| format!("{name} takes a number")))
            .transpose()
    }

    fn deadline(&mut self) -> Result<Instant, String> {
        let seconds = self.number("--seconds")?.unwrap_or(600);
        Ok(Instant::now() + Duration::from_secs(seconds))
    }

    /// Every argument was used.
    fn finish(self) -> Result<(), String> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if let Some(word) = self.words.last() {
            return Err(format!("unexpected {word:?}"));
        }
        if let Some((name, _)) = self.options.first() {
            return Err(format!("unexpected {name}"));
        }
        Ok(())
    }
}
