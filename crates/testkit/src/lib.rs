//! Test support shared by the workspace's test suites: where the real data samples are, and how to run a
//! Python reference implementation (pycocotools, TrackEval, filterpy, ...) as an oracle.
//!
//! Oracles and real data are optional on a developer machine (the test prints that it skips) and mandatory
//! under CI (`CI` set in the environment), where a missing oracle is a failure rather than a silent pass.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the folder holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().nth(2).expect("crates/testkit sits two levels below the root").to_path_buf()
}

/// True when running under CI, where skipping an oracle or a real-data test is an error.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// `../shared/realdata/<sub>` beside the workspace, or `None` (with a printed skip note) when absent.
/// Under CI a missing folder panics.
pub fn realdata(sub: &str) -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/realdata").join(sub);
    if dir.exists() {
        return Some(dir);
    }
    assert!(!in_ci(), "real data sample {} is missing under CI", dir.display());
    eprintln!("skip: real data sample {} not found", dir.display());
    None
}

/// The Python interpreter of the oracle virtualenv: `$HVIS_PYTHON`, else `<root>/.venv/bin/python`
/// (created by `tools/setup_venv.sh`). `None` with a printed skip note when absent; panics under CI.
pub fn python() -> Option<PathBuf> {
    let p = std::env::var_os("HVIS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    if p.exists() {
        return Some(p);
    }
    assert!(!in_ci(), "oracle interpreter {} missing under CI: run tools/setup_venv.sh", p.display());
    eprintln!("skip: oracle interpreter {} not found (run tools/setup_venv.sh)", p.display());
    None
}

/// Runs `python script args...` and returns its stdout; panics with stderr on failure.
pub fn run_python(python: &Path, script: &Path, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "{} {} failed: {}\n{}",
        python.display(),
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("oracle printed UTF-8")
}

/// A fresh empty temporary folder under the target directory, unique per call.
pub fn temp_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("hvis-test-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Median wall time of `runs` calls of `f` in milliseconds, after one untimed call (for the examples that
/// time one operation).
pub fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut v: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// True when a Vulkan driver is installed (an ICD manifest in the loader's standard folders, or
/// `VK_ICD_FILENAMES` / `VK_DRIVER_FILES` set), so burn's wgpu backend has an adapter. Without one: a skip note,
/// or a panic under CI (`tools/test.sh` installs Mesa's lavapipe).
pub fn vulkan() -> bool {
    let env_set = ["VK_ICD_FILENAMES", "VK_DRIVER_FILES"].iter().any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()));
    let manifest = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"].iter().any(|d| {
        std::fs::read_dir(d).is_ok_and(|entries| {
            entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
    });
    if env_set || manifest {
        return true;
    }
    assert!(!in_ci(), "no Vulkan driver under CI: tools/test.sh installs mesa-vulkan-drivers (lavapipe)");
    eprintln!("skip: no Vulkan driver (apt-get install mesa-vulkan-drivers gives lavapipe)");
    false
}
