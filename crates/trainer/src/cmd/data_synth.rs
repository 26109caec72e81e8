//! `trainer data synth`: writes the synthetic people dataset (the embedded default for the quickstart and
//! the tests) and prints what it wrote.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use data::synth::{SynthConfig, generate};

/// Arguments of `trainer data synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Output folder (created; files with the same names are overwritten).
    #[arg(long, default_value = "datasets/synth")]
    pub out: PathBuf,
    /// Number of videos.
    #[arg(long, default_value_t = 20)]
    pub videos: usize,
    /// Frames per video.
    #[arg(long, default_value_t = 16)]
    pub frames: usize,
    /// Frame size in pixels: `S` for S×S, or `WxH`.
    #[arg(long, default_value = "256")]
    pub size: String,
    /// Seed of every random choice (same seed, same files).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// People per video as `MIN..MAX` (inclusive), or one number.
    #[arg(long, default_value = "3..8")]
    pub people: String,
    /// Share of videos in the val split (the last ones).
    #[arg(long, default_value_t = 0.2)]
    pub val_fraction: f32,
    /// Also write 16-bit MOTS id PNGs per frame.
    #[arg(long)]
    pub id_pngs: bool,
}

/// Parses `S` or `WxH`.
fn parse_size(s: &str) -> anyhow::Result<(u32, u32)> {
    let parse = |v: &str| v.trim().parse::<u32>().with_context(|| format!("--size {s:?}: expected S or WxH, e.g. 256 or 320x240"));
    match s.split_once(['x', 'X']) {
        Some((w, h)) => Ok((parse(w)?, parse(h)?)),
        None => {
            let v = parse(s)?;
            Ok((v, v))
        }
    }
}

/// Parses `MIN..MAX` (also `MIN..=MAX`) or `N`.
fn parse_people(s: &str) -> anyhow::Result<(usize, usize)> {
    let parse = |v: &str| v.trim().parse::<usize>().with_context(|| format!("--people {s:?}: expected MIN..MAX or N, e.g. 3..8"));
    match s.split_once("..") {
        Some((a, b)) => Ok((parse(a)?, parse(b.trim_start_matches('='))?)),
        None => {
            let v = parse(s)?;
            Ok((v, v))
        }
    }
}

/// Generates the set and prints counts, time and the box-centre rates.
pub fn run(args: SynthArgs) -> anyhow::Result<()> {
    let (width, height) = parse_size(&args.size)?;
    let (min_people, max_people) = parse_people(&args.people)?;
    if min_people > max_people {
        bail!("--people {}: MIN must not exceed MAX", args.people);
    }
    let cfg = SynthConfig {
        videos: args.videos,
        frames: args.frames,
        width,
        height,
        seed: args.seed,
        min_people,
        max_people,
        val_fraction: args.val_fraction,
        id_pngs: args.id_pngs,
        ..SynthConfig::default()
    };
    let t = Instant::now();
    let s = generate(&cfg, &args.out).with_context(|| format!("generating the synthetic set in {}", args.out.display()))?;
    let secs = t.elapsed().as_secs_f64();
    let c = &s.box_centre;
    println!("wrote {} ({:.2} s, seed {})", args.out.display(), secs, cfg.seed);
    println!("  videos      {} ({} train, {} val), {} frames of {}x{}", s.videos, s.train.len(), s.val.len(), s.frames, width, height);
    println!("  identities  {}   person masks {} ({} small, < 32x32 area)", s.identities, s.instances, s.small_instances);
    println!("  re-entries  {} (left the frame and came back), reappearances after a gap {}", s.reentries, s.reappearances);
    let poses: Vec<String> = s.poses.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("  poses       {}", poses.join(", "));
    println!(
        "  box centre  outside its own mask {}/{} = {:.1}%, inside another person {} = {:.1}%",
        c.outside_own,
        c.instances,
        100.0 * c.outside_own_rate(),
        c.inside_other,
        100.0 * c.inside_other_rate()
    );
    println!("  files       {{train,val}}/JPEGImages/, train.json, val.json (YouTube-VIS), instances_train.json, instances_val.json (COCO), mots/*.txt, synth.json");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_people_parse() {
        assert_eq!(parse_size("256").unwrap(), (256, 256));
        assert_eq!(parse_size("320x240").unwrap(), (320, 240));
        assert!(parse_size("big").is_err());
        assert_eq!(parse_people("3..8").unwrap(), (3, 8));
        assert_eq!(parse_people("2..=5").unwrap(), (2, 5));
        assert_eq!(parse_people("4").unwrap(), (4, 4));
        assert!(parse_people("a..b").is_err());
    }
}
