//! Mixing two strategies' positives (the paper's Fig. 6).

use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

/// Replaces a `fraction` of `main`'s own positives by `from`'s own ones, for one person.
///
/// Locations both strategies claim stay. Of the locations only `main` claims, round(fraction · count)
/// chosen at random are dropped; of those only `from` claims, round(fraction · count) are added. Fraction 0
/// gives `main`, 1 gives `from`. Inputs are ascending flat indices; so is the output.
pub fn mix_regions(main: &[u32], from: &[u32], fraction: f32, rng: &mut ChaCha8Rng) -> Vec<u32> {
    let only_main: Vec<u32> = main.iter().copied().filter(|i| from.binary_search(i).is_err()).collect();
    let only_from: Vec<u32> = from.iter().copied().filter(|i| main.binary_search(i).is_err()).collect();
    let f = fraction.clamp(0.0, 1.0) as f64;
    let drop = (f * only_main.len() as f64).round() as usize;
    let add = (f * only_from.len() as f64).round() as usize;
    let mut dropped = vec![false; only_main.len()];
    for k in sample(rng, only_main.len(), drop) {
        dropped[k] = true;
    }
    let mut out: Vec<u32> = main.iter().copied().filter(|i| only_main.binary_search(i).map_or(true, |k| !dropped[k])).collect();
    out.extend(sample(rng, only_from.len(), add).into_iter().map(|k| only_from[k]));
    out.sort_unstable();
    out
}
