//! The one place external programs run: argument lists (never a shell), a timeout then
//! kill, kill on drop (a cancelled job takes its ffmpeg with it), a bound on how many
//! run at once, and work folders that delete themselves.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::process::Command;
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::workspace::Workspace;

/// The programs Mediaport runs, and the Debian package each comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Ffmpeg,
    Ffprobe,
    Mediainfo,
    Exiftool,
    Pdfinfo,
    Pdftoppm,
    Pdftotext,
}

impl Tool {
    pub const ALL: [Tool; 7] =
        [Self::Ffmpeg, Self::Ffprobe, Self::Mediainfo, Self::Exiftool, Self::Pdfinfo, Self::Pdftoppm, Self::Pdftotext];

    pub fn program(self) -> &'static str {
        match self {
            Self::Ffmpeg => "ffmpeg",
            Self::Ffprobe => "ffprobe",
            Self::Mediainfo => "mediainfo",
            Self::Exiftool => "exiftool",
            Self::Pdfinfo => "pdfinfo",
            Self::Pdftoppm => "pdftoppm",
            Self::Pdftotext => "pdftotext",
        }
    }

    fn package(self) -> &'static str {
        match self {
            Self::Ffmpeg | Self::Ffprobe => "ffmpeg",
            Self::Mediainfo => "mediainfo",
            Self::Exiftool => "libimage-exiftool-perl",
            Self::Pdfinfo | Self::Pdftoppm | Self::Pdftotext => "poppler-utils",
        }
    }
}

/// Why a program did not give its answer.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{program} is not installed: run scripts/setup.sh (Debian package {package})")]
    Missing { program: &'static str, package: &'static str },
    #[error("{program} did not finish within {} s", .after.as_secs())]
    Timeout { program: &'static str, after: Duration },
    /// The program ran and refused the input: usually the file's fault.
    #[error("{program} failed: {message}")]
    Failed { program: &'static str, message: String },
    /// The program was killed by a signal (the kernel's out-of-memory killer, an operator):
    /// the machine's trouble, not the file's.
    #[error("{program} was killed by a signal: {message}")]
    Killed { program: &'static str, message: String },
    #[error("cannot run {program}: {source}")]
    Io { program: &'static str, source: std::io::Error },
    /// The program wrote more than anything Mediaport reads can hold (a PDF whose text
    /// runs to gigabytes, metadata blown up on purpose): the file's fault.
    #[error("{program} wrote more than {} MiB: the file is not one Mediaport can read", .limit >> 20)]
    TooMuchOutput { program: &'static str, limit: u64 },
}

/// What a program may write to its standard output before it is stopped.
const MAX_OUTPUT: u64 = 64 << 20;

/// Runs the external tools for the worker, a bounded number at a time.
#[derive(Debug, Clone)]
pub struct Tools {
    slots: Arc<Semaphore>,
    timeout: Duration,
    workspace: Arc<Workspace>,
    /// Bytes of standard output read at most ([`MAX_OUTPUT`] unless a test says less).
    output_limit: u64,
}

impl Tools {
    /// At most `parallel` programs at once, each stopped after `timeout` unless a call says
    /// otherwise; work folders go under `work_root`, where folders left by stopped worker
    /// processes are removed now.
    pub fn new(parallel: usize, timeout: Duration, work_root: &Path) -> std::io::Result<Self> {
        let workspace = Arc::new(Workspace::open(work_root)?);
        Ok(Self { slots: Arc::new(Semaphore::new(parallel.max(1))), timeout, workspace, output_limit: MAX_OUTPUT })
    }

    /// The same tools with another limit on what a program may write.
    pub fn with_output_limit(mut self, bytes: u64) -> Self {
        self.output_limit = bytes;
        self
    }

    /// Fails with the fix when one of the programs is missing, so a worker stops at
    /// start-up rather than on its first job.
    pub fn check_installed() -> Result<(), ToolError> {
        for tool in Tool::ALL {
            let found = std::env::var_os("PATH")
                .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool.program()).is_file()))
                .unwrap_or(false);
            if !found {
                return Err(ToolError::Missing { program: tool.program(), package: tool.package() });
            }
        }
        Ok(())
    }

    /// The usual time limit of a run.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A fresh folder under the work root, deleted when the value is dropped.
    pub fn work_dir(&self, label: &str) -> std::io::Result<tempfile::TempDir> {
        tempfile::Builder::new().prefix(&format!("{label}-")).tempdir_in(self.workspace.own())
    }

    /// A folder under the work root that outlives the process (a download to resume), by name.
    pub fn keep_dir(&self, name: &str) -> std::io::Result<PathBuf> {
        let dir = self.workspace.root().join(name);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Runs `tool` with `args` and returns what it wrote to standard output.
    pub async fn run<I, S>(&self, tool: Tool, args: I) -> Result<Vec<u8>, ToolError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_for(tool, args, self.timeout).await
    }

    /// As [`Tools::run`], with its own time limit (long transcodes).
    pub async fn run_for<I, S>(&self, tool: Tool, args: I, timeout: Duration) -> Result<Vec<u8>, ToolError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let program = tool.program();
        let _slot = self.slots.acquire().await.expect("the semaphore is never closed");
        let started = Instant::now();
        let result = Self::spawn_and_wait(tool, args, timeout, self.output_limit)
            .instrument(tracing::debug_span!("tool", program))
            .await;
        record(program, started, result.as_ref().map(drop));
        result
    }

    /// Runs `tool` and hands what it writes, as it comes, to `read` on a blocking thread:
    /// for output read once and never held whole (hours of decoded audio). Returns what
    /// `read` returned and how the program ended; a `read` that stops early ends the
    /// program, which then fails on its closed pipe.
    pub async fn stream<I, S, T>(
        &self,
        tool: Tool,
        args: I,
        timeout: Duration,
        read: impl FnOnce(&mut dyn std::io::Read) -> T + Send + 'static,
    ) -> Result<(T, Result<(), ToolError>), ToolError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
        T: Send + 'static,
    {
        let program = tool.program();
        let _slot = self.slots.acquire().await.expect("the semaphore is never closed");
        let mut child = spawn(tool, args)?;
        let (stdout, mut stderr) = (child.stdout.take().expect("piped"), child.stderr.take().expect("piped"));
        let io = |source| ToolError::Io { program, source };
        let run = async {
            let reading = tokio::task::spawn_blocking(move || {
                let mut bridge = tokio_util::io::SyncIoBridge::new(stdout);
                read(&mut bridge)
            });
            let (value, tail) = tokio::join!(reading, keep_tail(&mut stderr));
            let value = value.map_err(|e| io(std::io::Error::other(e)))?;
            let status = child.wait().await.map_err(io)?;
            Ok::<_, ToolError>((value, tail.map_err(io)?, status))
        };
        // Dropping the child on timeout kills it, which ends `read`'s input.
        let started = Instant::now();
        let ran = tokio::time::timeout(timeout, run.instrument(tracing::debug_span!("tool", program))).await;
        let Ok(ran) = ran else {
            let late = ToolError::Timeout { program, after: timeout };
            record(program, started, Err(&late));
            return Err(late);
        };
        let (value, stderr, status) = ran?;
        let ended = exit(program, status, &stderr);
        record(program, started, ended.as_ref().copied());
        Ok((value, ended))
    }

    async fn spawn_and_wait<I, S>(tool: Tool, args: I, timeout: Duration, limit: u64) -> Result<Vec<u8>, ToolError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let program = tool.program();
        let mut child = spawn(tool, args)?;
        let (mut stdout, mut stderr) = (child.stdout.take().expect("piped"), child.stderr.take().expect("piped"));
        let io = |source| ToolError::Io { program, source };
        let run = async {
            let mut out = Vec::new();
            let reading = async {
                let read = (&mut stdout).take(limit + 1).read_to_end(&mut out).await;
                if out.len() as u64 > limit {
                    // Stopped now, or it would wait on a full pipe until its time ran out.
                    let _ = child.start_kill();
                }
                read
            };
            let (read, tail) = tokio::join!(reading, keep_tail(&mut stderr));
            read.map_err(io)?;
            if out.len() as u64 > limit {
                return Err(ToolError::TooMuchOutput { program, limit });
            }
            let status = child.wait().await.map_err(io)?;
            Ok::<_, ToolError>((out, tail.map_err(io)?, status))
        };
        // Dropping the child on timeout kills it.
        let (stdout, stderr, status) =
            tokio::time::timeout(timeout, run).await.map_err(|_| ToolError::Timeout { program, after: timeout })??;
        exit(program, status, &stderr).map(|()| stdout)
    }

    /// `text` with the work folder's path replaced, so reasons shown to people carry no
    /// server paths.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&*self.workspace.root().to_string_lossy(), "<work>")
    }
}

/// Counts a run and its time for `/metrics`.
fn record(program: &'static str, started: Instant, result: Result<(), &ToolError>) {
    let outcome = match result {
        Ok(()) => "done",
        Err(ToolError::Timeout { .. }) => "timeout",
        Err(_) => "failed",
    };
    metrics::counter!("mediaport_tool_runs_total", "tool" => program, "outcome" => outcome).increment(1);
    metrics::histogram!("mediaport_tool_run_seconds", "tool" => program).record(started.elapsed().as_secs_f64());
}

/// Starts `tool` with its inputs confined, no standard input, both outputs piped; it is
/// killed if the handle is dropped.
fn spawn<I, S>(tool: Tool, args: I) -> Result<tokio::process::Child, ToolError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let program = tool.program();
    Command::new(program)
        .args(confined(tool, args))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ToolError::Missing { program, package: tool.package() },
            _ => ToolError::Io { program, source },
        })
}

/// How a program ended: well, refusing its input (with the end of its complaint), or killed.
fn exit(program: &'static str, status: std::process::ExitStatus, stderr: &[u8]) -> Result<(), ToolError> {
    if status.success() {
        return Ok(());
    }
    let message = last_lines(stderr);
    match status.code() {
        Some(code) => Err(ToolError::Failed { program, message: format!("exited with code {code}: {message}") }),
        None => Err(ToolError::Killed { program, message }),
    }
}

/// Reads a program's complaints to the end, keeping only the last 16 KiB: a corrupt file
/// can make a decoder complain about every frame.
async fn keep_tail(stderr: &mut tokio::process::ChildStderr) -> std::io::Result<Vec<u8>> {
    const KEEP: usize = 16 << 10;
    let mut tail = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let n = stderr.read(&mut buffer).await?;
        if n == 0 {
            return Ok(tail);
        }
        tail.extend_from_slice(&buffer[..n]);
        if tail.len() > 2 * KEEP {
            tail.drain(..tail.len() - KEEP);
        }
    }
}

/// The end of a program's complaint: enough to explain, short enough for a UI.
fn last_lines(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join("; ");
    if tail.is_empty() { "no message".to_owned() } else { tail.chars().take(500).collect() }
}

/// An argument list from flags, numbers-as-text and paths alike: `args!["-i", &input]`.
macro_rules! args {
    ($($arg:expr),* $(,)?) => { vec![$(std::ffi::OsString::from($arg)),*] };
}
pub(crate) use args;

/// The arguments with every input of ffmpeg and ffprobe confined to local files: a
/// crafted playlist (an HLS file named `.mp4`) cannot make them fetch a URL, read a
/// `data:` segment or decrypt through another protocol. Options before an input apply to
/// it, so the whitelist goes before each `-i` (ffprobe has one input, after its options).
fn confined<I, S>(tool: Tool, args: I) -> Vec<std::ffi::OsString>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let whitelist = ["-protocol_whitelist", "file"].map(std::ffi::OsString::from);
    let mut confined = Vec::new();
    if tool == Tool::Ffprobe {
        confined.extend(whitelist.clone());
    }
    for arg in args {
        if tool == Tool::Ffmpeg && arg.as_ref() == "-i" {
            confined.extend(whitelist.clone());
        }
        confined.push(arg.as_ref().to_owned());
    }
    confined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools() -> Tools {
        Tools::new(2, Duration::from_secs(10), &std::env::temp_dir().join("mediaport-tools-test")).unwrap()
    }

    #[tokio::test]
    async fn a_playlist_posing_as_media_reaches_nothing_but_local_files() {
        let dir = tempfile::tempdir().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/segment.ts", listener.local_addr().unwrap());
        let playlist = dir.path().join("clip.mp4");
        std::fs::write(&playlist, format!("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{url}\n#EXT-X-ENDLIST\n"))
            .unwrap();
        let file = playlist.as_os_str();
        let probe = [OsStr::new("-v"), OsStr::new("error"), file];
        let decode =
            [OsStr::new("-hide_banner"), OsStr::new("-i"), file, OsStr::new("-f"), OsStr::new("null"), OsStr::new("-")];
        // Only `file` is allowed (ffmpeg's own default for a local playlist adds `crypto`
        // and `data`).
        let probed = tools().run(Tool::Ffprobe, probe).await.expect_err("ffprobe refuses the segment").to_string();
        assert!(probed.contains("not on whitelist 'file'!"), "{probed}");
        let decoded = tools().run(Tool::Ffmpeg, decode).await.expect_err("ffmpeg refuses the segment").to_string();
        assert!(decoded.contains("Failed to open segment"), "{decoded}");
        assert!(listener.accept().is_err(), "nothing connected to {url}");
    }

    #[tokio::test]
    async fn output_and_failures_come_back_with_reasons() {
        let out = tools().run(Tool::Ffprobe, ["-version"]).await.unwrap();
        assert!(String::from_utf8_lossy(&out).starts_with("ffprobe version"));
        let err = tools().run(Tool::Ffprobe, ["/nonexistent/file.mp4"]).await.unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("ffprobe failed: exited with code 1"), "{message}");
        assert!(message.contains("No such file or directory"), "{message}");
    }

    #[tokio::test]
    async fn a_program_that_writes_without_end_is_stopped_at_the_limit() {
        let tools = tools().with_output_limit(1 << 20);
        let endless = ["-hide_banner", "-f", "lavfi", "-i", "sine", "-f", "s16le", "-"];
        let err = tools.run(Tool::Ffmpeg, endless).await.unwrap_err();
        assert!(matches!(err, ToolError::TooMuchOutput { program: "ffmpeg", limit: 1048576 }), "{err}");
        assert!(err.to_string().contains("more than 1 MiB"), "{err}");
    }

    #[tokio::test]
    async fn a_program_past_its_time_is_killed() {
        let args = ["-hide_banner", "-f", "lavfi", "-i", "anullsrc", "-f", "null", "-"];
        let err = tools().run_for(Tool::Ffmpeg, args, Duration::from_millis(500)).await.unwrap_err();
        assert!(matches!(err, ToolError::Timeout { program: "ffmpeg", .. }), "{err}");
    }

    #[test]
    fn work_dirs_clean_themselves() {
        let tools = tools();
        let dir = tools.work_dir("job").unwrap();
        let path = dir.path().to_path_buf();
        std::fs::write(path.join("frame.jpg"), b"x").unwrap();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn long_complaints_keep_their_last_lines() {
        assert_eq!(last_lines(b"a\nb\n\nc\nd\n"), "b; c; d");
        assert_eq!(last_lines(b""), "no message");
    }
}
