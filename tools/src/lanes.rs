//! A model of the stream worker's lanes at a scale no local run reaches: a
//! publish to a hundred thousand followers beside many small jobs. Lambda's
//! event source mapping reads each stream shard in up to
//! `ParallelizationFactor` lanes, each key always in the same lane, records
//! of a lane one after another. Time is counted in pages (one page of a
//! job, about a quarter of a second for 100 followers).
//!
//! Two designs of the worker are modelled:
//!
//! - [`Design::Chained`] (what the worker does): a record runs one page of
//!   its job, and a job that is not done goes on through a record of its
//!   own state, which joins the end of its lane behind what came meanwhile;
//! - [`Design::Whole`] (a worker that runs a job to its end from the
//!   record that started it): the record holds its lane until the job is done.

use std::collections::VecDeque;

/// A job: its key (which lane it goes to), how many pages it is, and when
/// its first record arrives.
#[derive(Debug, Clone)]
pub struct Job {
    pub key: String,
    pub pages: u64,
    pub arrives: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    Chained,
    Whole,
}

/// When a job finished, and how long it waited beyond its own pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub key: String,
    pub arrived: u64,
    pub finished: u64,
    pub waited: u64,
}

/// Runs `jobs` through `lanes` lanes under `design`; each job's finish.
pub fn simulate(design: Design, lanes: usize, jobs: &[Job]) -> Vec<Finished> {
    let lanes = lanes.max(1);
    let lane_of = |key: &str| (fnv(key) % lanes as u64) as usize;
    let mut arrivals: Vec<(u64, usize)> = jobs.iter().map(|j| j.arrives).zip(0..).collect();
    arrivals.sort_unstable();
    let mut arrivals: VecDeque<(u64, usize)> = arrivals.into();
    // Per lane: the records waiting (job index), and the one being run with
    // the pages it has left in this record.
    let mut queues: Vec<VecDeque<usize>> = vec![VecDeque::new(); lanes];
    let mut running: Vec<Option<(usize, u64)>> = vec![None; lanes];
    let mut left: Vec<u64> = jobs.iter().map(|j| j.pages.max(1)).collect();
    let mut finished = Vec::with_capacity(jobs.len());
    let mut now = 0;
    while finished.len() < jobs.len() {
        while let Some(&(at, job)) = arrivals.front() {
            if at > now {
                break;
            }
            arrivals.pop_front();
            queues[lane_of(&jobs[job].key)].push_back(job);
        }
        for lane in 0..lanes {
            if running[lane].is_none()
                && let Some(job) = queues[lane].pop_front()
            {
                let pages = match design {
                    Design::Chained => 1,
                    Design::Whole => left[job],
                };
                running[lane] = Some((job, pages));
            }
        }
        now += 1;
        for lane in 0..lanes {
            let Some((job, pages)) = running[lane] else {
                continue;
            };
            left[job] -= 1;
            if left[job] == 0 {
                running[lane] = None;
                let spec = &jobs[job];
                finished.push(Finished {
                    key: spec.key.clone(),
                    arrived: spec.arrives,
                    finished: now,
                    waited: now - spec.arrives - spec.pages.max(1),
                });
            } else if pages > 1 {
                running[lane] = Some((job, pages - 1));
            } else {
                // Its state's record: behind what reached the lane meanwhile.
                running[lane] = None;
                queues[lane].push_back(job);
            }
        }
    }
    finished
}

fn fnv(value: &str) -> u64 {
    value.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A publish to 100,000 followers (1,000 pages of 100) and, while it
    /// runs, a small job arriving every fourth page: follows, deletions,
    /// publishes to a few followers, each one to three pages (half of one
    /// lane's time, so a single lane still keeps up).
    fn load() -> Vec<Job> {
        let mut jobs = vec![Job {
            key: "JOB#PUBLISH#star".into(),
            pages: 1_000,
            arrives: 0,
        }];
        for i in 0..250 {
            jobs.push(Job {
                key: format!("JOB#BACKFILL#reader{i}"),
                pages: 1 + i % 3,
                arrives: 1 + 4 * i,
            });
        }
        jobs
    }

    fn small(finished: &[Finished]) -> impl Iterator<Item = &Finished> {
        finished.iter().filter(|f| !f.key.ends_with("star"))
    }

    #[test]
    fn a_huge_job_holds_no_other_job_longer_than_a_few_pages() {
        for lanes in [1, 10] {
            let finished = simulate(Design::Chained, lanes, &load());
            let worst = small(&finished).map(|f| f.waited).max().unwrap();
            // In one lane, a small job's pages take turns with the huge
            // one's: each waits about a page per page of its own.
            assert!(
                worst <= 4,
                "{lanes} lane(s): a small job waited {worst} pages"
            );
            let star = finished.iter().find(|f| f.key.ends_with("star")).unwrap();
            // The huge job is slowed by no more than the work that shared
            // its lane.
            assert!(star.finished <= 1_000 + 1_000, "{star:?}");
        }
    }

    #[test]
    fn a_worker_that_runs_jobs_whole_holds_its_lane_behind_the_huge_one() {
        let finished = simulate(Design::Whole, 10, &load());
        let worst = small(&finished).map(|f| f.waited).max().unwrap();
        // Whatever lands in the huge job's lane waits for all of it.
        assert!(worst > 500, "{worst}");
        let one_lane = simulate(Design::Whole, 1, &load());
        let behind = small(&one_lane).filter(|f| f.waited > 200).count();
        assert!(
            behind > 200,
            "{behind} of 250 small jobs waited for the huge one"
        );
    }

    #[test]
    fn every_job_finishes_and_pages_are_not_lost() {
        let jobs = load();
        for design in [Design::Chained, Design::Whole] {
            let finished = simulate(design, 3, &jobs);
            assert_eq!(finished.len(), jobs.len());
            let pages: u64 = jobs.iter().map(|j| j.pages).sum();
            let last = finished.iter().map(|f| f.finished).max().unwrap();
            assert!(last >= pages / 3, "{design:?}: {last}");
        }
    }
}
