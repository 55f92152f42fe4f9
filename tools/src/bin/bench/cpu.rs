//! Lambda gives a function CPU in proportion to its memory: a full vCPU at
//! 1,769 MB, so 256 MB gets about 14.5% of one. A cgroup with a CFS quota
//! gives a function process the same share here, where the machine allows
//! it (cgroup v1's `cpu` controller or cgroup v2's `cpu.max`, writable).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

const FULL_CPU_MB: u32 = 1769;
const PERIOD_US: u32 = 100_000;

pub struct CpuShare {
    dir: PathBuf,
    memory_mb: u32,
    quota_us: u32,
}

impl CpuShare {
    /// A cgroup limited to the CPU share of a function with `memory_mb`, or why not.
    pub fn new(memory_mb: u32) -> Result<Self, String> {
        let quota_us = PERIOD_US * memory_mb / FULL_CPU_MB;
        let name = format!("conduit-bench-{}", std::process::id());
        let v1 = Path::new("/sys/fs/cgroup/cpu");
        let attempt = |dir: PathBuf, files: &[(&str, String)]| -> Result<PathBuf, String> {
            std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for (file, value) in files {
                if let Err(e) = std::fs::write(dir.join(file), value) {
                    let _ = std::fs::remove_dir(&dir);
                    return Err(format!("{}/{file}: {e}", dir.display()));
                }
            }
            Ok(dir)
        };
        let dir = if v1.join("cpu.cfs_quota_us").exists() {
            attempt(
                v1.join(&name),
                &[
                    ("cpu.cfs_period_us", PERIOD_US.to_string()),
                    ("cpu.cfs_quota_us", quota_us.to_string()),
                ],
            )?
        } else {
            attempt(
                Path::new("/sys/fs/cgroup").join(&name),
                &[("cpu.max", format!("{quota_us} {PERIOD_US}"))],
            )?
        };
        Ok(Self {
            dir,
            memory_mb,
            quota_us,
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "{} MB share ({:.1}% of a core)",
            self.memory_mb,
            100.0 * f64::from(self.quota_us) / f64::from(PERIOD_US)
        )
    }

    /// A command that runs `binary` inside the cgroup from its first
    /// instruction: the shell joins the group, then becomes the binary.
    pub fn command(&self, binary: &Path) -> Command {
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(r#"echo $$ > "$0/cgroup.procs" && exec "$1""#)
            .arg(&self.dir)
            .arg(binary);
        command
    }
}

impl Drop for CpuShare {
    fn drop(&mut self) {
        // Empty by now: every process started in it has been killed and reaped.
        let _ = std::fs::remove_dir(&self.dir);
    }
}
