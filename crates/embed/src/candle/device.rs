//! Device choice: Metal/CUDA when compiled in and present, else CPU.

use candle_core::Device;

use crate::EmbedError;

/// Which device the candle backend runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// Metal or CUDA when compiled in and a device opens, else CPU.
    #[default]
    Auto,
    /// Always the CPU.
    Cpu,
    /// Apple GPU (needs the `metal` feature).
    Metal,
    /// NVIDIA GPU 0 (needs the `cuda` feature).
    Cuda,
}

impl std::str::FromStr for DeviceChoice {
    type Err = EmbedError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "metal" | "mps" => Ok(Self::Metal),
            "cuda" | "gpu" => Ok(Self::Cuda),
            other => Err(EmbedError::Config(format!(
                "unknown device `{other}` (expected auto, cpu, metal or cuda)"
            ))),
        }
    }
}

impl std::fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::Metal => "metal",
            Self::Cuda => "cuda",
        })
    }
}

/// True only when a GPU feature is compiled in and its device opens; the
/// engine uses it to pick the GPU default model.
pub fn gpu_available() -> bool {
    open_gpu().is_some()
}

fn open_gpu() -> Option<(Device, String)> {
    if cfg!(feature = "metal") {
        if let Ok(d) = Device::new_metal(0) {
            return Some((d, "metal".to_string()));
        }
    }
    if cfg!(feature = "cuda") {
        if let Ok(d) = Device::new_cuda(0) {
            return Some((d, "cuda:0".to_string()));
        }
    }
    None
}

/// Opens the requested device; an explicit GPU that is unavailable is an
/// error (never a silent CPU fallback), `Auto` falls back to CPU with a log line.
pub(crate) fn open(choice: DeviceChoice) -> Result<(Device, String), EmbedError> {
    match choice {
        DeviceChoice::Cpu => Ok((Device::Cpu, "cpu".to_string())),
        DeviceChoice::Auto => Ok(open_gpu().unwrap_or_else(|| {
            tracing::debug!("no GPU device compiled in or available; embedding on CPU");
            (Device::Cpu, "cpu".to_string())
        })),
        DeviceChoice::Metal => {
            if !cfg!(feature = "metal") {
                return Err(EmbedError::Config(
                    "device `metal` requested but amanmcp was built without the `metal` feature"
                        .to_string(),
                ));
            }
            Device::new_metal(0)
                .map(|d| (d, "metal".to_string()))
                .map_err(|e| EmbedError::Config(format!("cannot open Metal device: {e}")))
        }
        DeviceChoice::Cuda => {
            if !cfg!(feature = "cuda") {
                return Err(EmbedError::Config(
                    "device `cuda` requested but amanmcp was built without the `cuda` feature"
                        .to_string(),
                ));
            }
            Device::new_cuda(0)
                .map(|d| (d, "cuda:0".to_string()))
                .map_err(|e| EmbedError::Config(format!("cannot open CUDA device 0: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        for c in [
            DeviceChoice::Auto,
            DeviceChoice::Cpu,
            DeviceChoice::Metal,
            DeviceChoice::Cuda,
        ] {
            assert_eq!(c.to_string().parse::<DeviceChoice>().unwrap(), c);
        }
        assert!("tpu".parse::<DeviceChoice>().is_err());
    }

    #[test]
    fn cpu_build_has_no_gpu() {
        if !cfg!(any(feature = "metal", feature = "cuda")) {
            assert!(!gpu_available());
            assert!(open(DeviceChoice::Cuda).is_err());
            assert_eq!(open(DeviceChoice::Auto).unwrap().1, "cpu");
        }
    }
}
