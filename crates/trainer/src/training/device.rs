//! The device a config asks for, checked before any work.

use anyhow::bail;

/// Where a run computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceChoice {
    /// burn's flex backend on the CPU.
    Cpu,
    /// CUDA device `N` (needs the `cuda` feature).
    Cuda(u32),
}

impl std::fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceChoice::Cpu => write!(f, "cpu"),
            DeviceChoice::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

fn parse_one(s: &str, key: &str) -> anyhow::Result<DeviceChoice> {
    if s == "cpu" {
        return Ok(DeviceChoice::Cpu);
    }
    match s.strip_prefix("cuda:").and_then(|n| n.parse::<u32>().ok()) {
        Some(n) => Ok(DeviceChoice::Cuda(n)),
        None => bail!("{key} = {s:?}: expected \"cpu\" or \"cuda:N\""),
    }
}

/// Resolves `device` / `devices` of a config. More than one device is refused: burn 0.21's multi-device
/// training is tied to its `Learner` (see docs/training.md, "Several GPUs"), which this loop does not use.
pub fn resolve(device: &str, devices: &[String]) -> anyhow::Result<DeviceChoice> {
    let choice = match devices {
        [] => parse_one(device, "device")?,
        [one] => parse_one(one, "devices[0]")?,
        many => bail!(
            "devices = {many:?}: data-parallel training on several devices is not supported by this trainer yet \
             (burn 0.21's multi-device strategies live in its Learner; see docs/training.md, \"Several GPUs\"); \
             set one device, e.g. device = {:?}",
            many[0]
        ),
    };
    if let DeviceChoice::Cuda(_) = choice
        && !cfg!(feature = "cuda")
    {
        bail!(
            "device = \"{choice}\" needs CUDA, but this trainer was built without it; rebuild with \
             `cargo run --release -p trainer --features cuda -- <config.toml>` or set device = \"cpu\""
        );
    }
    if let DeviceChoice::Cuda(_) = choice {
        check_cuda_driver(&choice)?;
    }
    Ok(choice)
}

/// A CUDA build loads the NVIDIA driver at run time; without it burn panics on its first kernel. Probe for the
/// driver library first so the user gets one clear line instead.
#[cfg(feature = "cuda")]
fn check_cuda_driver(choice: &DeviceChoice) -> anyhow::Result<()> {
    for name in [c"libcuda.so.1", c"libcuda.so"] {
        // SAFETY: dlopen/dlclose on a constant library name; the handle is closed at once.
        let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_LAZY) };
        if !handle.is_null() {
            unsafe { libc::dlclose(handle) };
            return Ok(());
        }
    }
    bail!(
        "device = \"{choice}\": the NVIDIA driver library (libcuda.so.1) cannot be loaded on this machine; \
         install the driver (or add its folder to LD_LIBRARY_PATH), or set device = \"cpu\""
    )
}

#[cfg(not(feature = "cuda"))]
fn check_cuda_driver(_: &DeviceChoice) -> anyhow::Result<()> {
    Ok(())
}
