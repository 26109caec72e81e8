//! The device a config asks for, checked before any work, and the one place that maps it to a burn backend.
//!
//! | `device` | backend | cargo feature |
//! |---|---|---|
//! | `"cpu"` | `Flex` | (always) |
//! | `"cuda:N"` | `Cuda`, GPU `N` | `cuda` |
//! | `"wgpu"` | `Wgpu`, the best adapter (or `CUBECL_WGPU_DEFAULT_DEVICE`) | `wgpu` |
//! | `"wgpu:N"` | `Wgpu`, discrete GPU `N` | `wgpu` |
//! | `"wgpu:cpu"` | `Wgpu` on a CPU adapter (lavapipe) | `wgpu` |

use anyhow::bail;
use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::AutodiffBackend;

/// Which wgpu adapter a `wgpu` device names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WgpuAdapter {
    /// wgpu's best adapter (`"wgpu"`).
    Default,
    /// The N-th discrete GPU (`"wgpu:N"`).
    Discrete(u32),
    /// A CPU adapter such as Mesa's lavapipe (`"wgpu:cpu"`).
    Cpu,
}

/// Where a run computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceChoice {
    /// burn's flex backend on the CPU.
    Cpu,
    /// CUDA device `N` (needs the `cuda` feature).
    Cuda(u32),
    /// burn's wgpu backend: Vulkan, Metal or DirectX 12 (needs the `wgpu` feature).
    Wgpu(WgpuAdapter),
}

impl std::fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceChoice::Cpu => write!(f, "cpu"),
            DeviceChoice::Cuda(n) => write!(f, "cuda:{n}"),
            DeviceChoice::Wgpu(WgpuAdapter::Default) => write!(f, "wgpu"),
            DeviceChoice::Wgpu(WgpuAdapter::Discrete(n)) => write!(f, "wgpu:{n}"),
            DeviceChoice::Wgpu(WgpuAdapter::Cpu) => write!(f, "wgpu:cpu"),
        }
    }
}

/// What a device string may be, for error messages.
pub const EXPECTED: &str = "\"cpu\", \"cuda:N\", \"wgpu\", \"wgpu:N\" or \"wgpu:cpu\"";

/// Parses one device string (`key` names the config key in the error).
pub fn parse(s: &str, key: &str) -> anyhow::Result<DeviceChoice> {
    let number = |n: &str| n.parse::<u32>().ok();
    let choice = match s {
        "cpu" => Some(DeviceChoice::Cpu),
        "wgpu" => Some(DeviceChoice::Wgpu(WgpuAdapter::Default)),
        "wgpu:cpu" => Some(DeviceChoice::Wgpu(WgpuAdapter::Cpu)),
        _ => match (s.strip_prefix("cuda:"), s.strip_prefix("wgpu:")) {
            (Some(n), _) => number(n).map(DeviceChoice::Cuda),
            (_, Some(n)) => number(n).map(|n| DeviceChoice::Wgpu(WgpuAdapter::Discrete(n))),
            _ => None,
        },
    };
    match choice {
        Some(c) => Ok(c),
        None => bail!("{key} = {s:?}: expected {EXPECTED}"),
    }
}

/// Resolves `device` / `devices` of a config. More than one device is refused: burn 0.21's multi-device
/// training is tied to its `Learner` (see docs/training.md, "Several GPUs"), which this loop does not use.
pub fn resolve(device: &str, devices: &[String]) -> anyhow::Result<DeviceChoice> {
    let choice = match devices {
        [] => parse(device, "device")?,
        [one] => parse(one, "devices[0]")?,
        many => bail!(
            "devices = {many:?}: data-parallel training on several devices is not supported by this trainer yet \
             (burn 0.21's multi-device strategies live in its Learner; see docs/training.md, \"Several GPUs\"); \
             set one device, e.g. device = {:?}",
            many[0]
        ),
    };
    if let Some(message) = missing_backend(choice, &BUILT_BACKENDS) {
        bail!(message);
    }
    if let DeviceChoice::Cuda(_) = choice {
        check_cuda_driver(&choice)?;
    }
    Ok(choice)
}

/// The optional backends this binary was built with (cargo features).
const BUILT_BACKENDS: [(&str, bool); 2] = [("cuda", cfg!(feature = "cuda")), ("wgpu", cfg!(feature = "wgpu"))];

/// The error for a device whose backend is not in `built` (feature name → compiled in), naming the feature to
/// build with; `None` when the backend is there.
fn missing_backend(choice: DeviceChoice, built: &[(&str, bool)]) -> Option<String> {
    let (what, feature) = match choice {
        DeviceChoice::Cpu => return None,
        DeviceChoice::Cuda(_) => ("CUDA", "cuda"),
        DeviceChoice::Wgpu(_) => ("wgpu", "wgpu"),
    };
    if built.iter().any(|&(f, on)| f == feature && on) {
        return None;
    }
    Some(format!(
        "device = \"{choice}\" needs {what}, but this trainer was built without it; rebuild with \
         `cargo run --release -p trainer --features {feature} -- <config.toml>` or set device = \"cpu\""
    ))
}

/// A job generic over the training backend; [`dispatch`] runs it on the backend a [`DeviceChoice`] names.
/// Inference-only jobs use `B::InnerBackend` (same device type).
pub trait OnBackend {
    /// What the job returns.
    type Output;
    /// Runs the job on backend `B` and `device`.
    fn run<B: AutodiffBackend>(self, device: &B::Device) -> Self::Output;
}

/// Runs `job` on the backend of `choice` (which [`resolve`] has checked against the build's features).
pub fn dispatch<J: OnBackend>(choice: DeviceChoice, job: J) -> J::Output {
    match choice {
        DeviceChoice::Cpu => job.run::<Autodiff<Flex>>(&Default::default()),
        #[cfg(feature = "cuda")]
        DeviceChoice::Cuda(n) => job.run::<Autodiff<burn::backend::Cuda>>(&burn::backend::cuda::CudaDevice::new(n as usize)),
        #[cfg(not(feature = "cuda"))]
        DeviceChoice::Cuda(_) => unreachable!("resolve() refuses CUDA without the feature"),
        #[cfg(feature = "wgpu")]
        DeviceChoice::Wgpu(adapter) => {
            use burn::backend::wgpu::WgpuDevice;
            let device = match adapter {
                WgpuAdapter::Default => WgpuDevice::DefaultDevice,
                WgpuAdapter::Discrete(n) => WgpuDevice::DiscreteGpu(n as usize),
                WgpuAdapter::Cpu => WgpuDevice::Cpu,
            };
            job.run::<Autodiff<burn::backend::Wgpu>>(&device)
        }
        #[cfg(not(feature = "wgpu"))]
        DeviceChoice::Wgpu(_) => unreachable!("resolve() refuses wgpu without the feature"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_form_and_round_trips() {
        for s in ["cpu", "cuda:0", "cuda:3", "wgpu", "wgpu:1", "wgpu:cpu"] {
            assert_eq!(parse(s, "device").unwrap().to_string(), s);
        }
        for bad in ["gpu", "cuda", "cuda:x", "wgpu:", "wgpu:gpu", "Wgpu"] {
            let err = parse(bad, "device").unwrap_err().to_string();
            assert!(err.contains(EXPECTED) && err.contains(bad), "{err}");
        }
    }

    #[test]
    fn a_backend_missing_from_the_build_names_its_feature() {
        let none = [("cuda", false), ("wgpu", false)];
        let both = [("cuda", true), ("wgpu", true)];
        for (s, feature) in [("cuda:1", "cuda"), ("wgpu", "wgpu"), ("wgpu:0", "wgpu"), ("wgpu:cpu", "wgpu")] {
            let choice = parse(s, "device").unwrap();
            let err = missing_backend(choice, &none).expect("refused without the feature");
            assert!(err.contains(&format!("--features {feature}")) && err.contains(s), "{err}");
            assert_eq!(missing_backend(choice, &both), None, "{s} with every backend built");
        }
        assert_eq!(missing_backend(DeviceChoice::Cpu, &none), None);
        let only_wgpu = [("cuda", false), ("wgpu", true)];
        assert!(missing_backend(DeviceChoice::Cuda(0), &only_wgpu).is_some());
        assert!(missing_backend(DeviceChoice::Wgpu(WgpuAdapter::Default), &only_wgpu).is_none());
    }
}
