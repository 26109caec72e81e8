//! The synthetic training stream: in-memory videos equal to the written files (pixels after JPEG, masks), fixed
//! by `(seed, epoch, index)`, other people in another epoch, identities that never collide, and the measured
//! generation cost (ignored test, numbers in docs/synth.md).

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use data::mots::read_mots_txt;
use data::synth::{SynthConfig, SynthStream, StreamFrame, generate, video_frames};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("synth-stream-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn knobs() -> SynthConfig {
    SynthConfig { videos: 3, frames: 6, width: 96, height: 80, seed: 4, ..Default::default() }
}

#[test]
fn in_memory_frames_equal_the_written_files() {
    let cfg = knobs();
    let out = tmp("files");
    generate(&cfg, &out).unwrap();
    for i in 0..cfg.videos {
        let name = SynthConfig::video_name(i);
        let frames = video_frames(&cfg, i, 0..cfg.frames).unwrap();
        assert_eq!(frames.len(), cfg.frames);
        let rows = read_mots_txt(out.join(format!("mots/{name}.txt"))).unwrap();
        for fr in &frames {
            let file = out.join(cfg.split_of(i)).join(format!("JPEGImages/{name}/{:05}.jpg", fr.frame));
            let decoded = image::open(&file).unwrap().to_rgb8();
            assert!(decoded == fr.image, "{}: pixels differ from the in-memory frame", file.display());
            let mut written: Vec<(u32, Vec<u32>)> = rows.iter().filter(|r| r.frame as usize == fr.frame).map(|r| (r.track_id, r.rle.counts.clone())).collect();
            written.sort();
            let mine: Vec<(u32, Vec<u32>)> =
                fr.masks.iter().enumerate().filter_map(|(k, m)| m.as_ref().map(|m| (2001 + k as u32, m.counts.clone()))).collect();
            assert_eq!(mine, written, "video {name} frame {}: masks", fr.frame);
        }
        // A clip late in the video is the same as those frames of the whole video.
        let clip = video_frames(&cfg, i, 3..5).unwrap();
        assert_eq!(clip.iter().map(|f| f.frame).collect::<Vec<_>>(), vec![3, 4]);
        for (a, b) in clip.iter().zip(&frames[3..5]) {
            assert!(a.image == b.image && a.masks == b.masks, "video {name} frame {}: the clip differs", a.frame);
        }
    }
    std::fs::remove_dir_all(out).unwrap();
}

fn pixels(frames: &[StreamFrame]) -> Vec<u8> {
    frames.iter().flat_map(|f| f.sample.image.as_raw().iter().copied()).collect()
}

#[test]
fn same_seed_epoch_and_index_give_the_same_video_another_epoch_other_people() {
    let st = SynthStream::new(knobs(), 7, 5).unwrap();
    let a = st.clip(2, 3, 0..6).unwrap();
    let b = st.clip(2, 3, 0..6).unwrap();
    assert_eq!(pixels(&a), pixels(&b));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.sample.masks, &x.sample.boxes, &x.sample.identities, &x.identities), (&y.sample.masks, &y.sample.boxes, &y.sample.identities, &y.identities));
        assert_eq!((x.sample.video_id, x.sample.frame_index, &x.sample.sample_id), (y.sample.video_id, y.sample.frame_index, &y.sample.sample_id));
    }
    assert!(a.iter().map(|f| f.sample.len()).sum::<usize>() > 0, "no person visible in the whole video");
    // The same index in another epoch, another index, another stream seed: other scenes and other people.
    let others = [st.clip(3, 3, 0..6).unwrap(), st.clip(2, 4, 0..6).unwrap(), SynthStream::new(knobs(), 8, 5).unwrap().clip(2, 3, 0..6).unwrap()];
    let pa = pixels(&a);
    let ids_a: HashSet<u64> = a.iter().flat_map(|f| f.identities.iter().copied()).collect();
    for (k, o) in others.iter().enumerate() {
        let po = pixels(o);
        let differing = pa.iter().zip(&po).filter(|(x, y)| x.abs_diff(**y) > 16).count();
        assert!(differing > pa.len() / 4, "case {k}: only {differing} of {} bytes differ by more than 16 levels", pa.len());
        if k < 2 {
            let ids_o: HashSet<u64> = o.iter().flat_map(|f| f.identities.iter().copied()).collect();
            assert!(ids_a.is_disjoint(&ids_o), "case {k}: identities shared: {:?}", ids_a.intersection(&ids_o).collect::<Vec<_>>());
        }
    }
    // None of the stream's videos is one of the written set's (that set is seeded by knobs().seed).
    let files = video_frames(&knobs(), 3, 0..6).unwrap();
    let pf: Vec<u8> = files.iter().flat_map(|f| f.image.as_raw().iter().copied()).collect();
    assert_ne!(pf, pa);
}

#[test]
fn identities_are_unique_across_the_stream_and_labels_within_an_epoch() {
    let knobs = SynthConfig { min_people: 2, max_people: 4, ..knobs() };
    let st = SynthStream::new(knobs.clone(), 1, 6).unwrap();
    let b = st.identities_per_epoch();
    assert_eq!(b, 6 * 4);
    let mut global = HashSet::new();
    for epoch in 0..4u64 {
        let mut labels = HashSet::new();
        for v in 0..st.videos_per_epoch {
            for slot in 0..knobs.max_people {
                let id = st.identity(epoch, v, slot);
                assert!(global.insert(id), "identity {id} twice (epoch {epoch}, video {v}, slot {slot})");
                let label = st.label(id);
                assert!((1..=b).contains(&label), "label {label} outside 1..={b}");
                assert!(labels.insert(label), "label {label} twice in epoch {epoch}");
            }
        }
        assert_eq!(labels.len(), b as usize, "every label of the budget used once per epoch");
    }
    // The frames carry those: per person a label and its global identity, distinct within a frame, the same
    // person keeping both across the video's frames.
    for epoch in 0..2u64 {
        let mut label_of = std::collections::HashMap::new();
        for v in 0..st.videos_per_epoch {
            for f in st.clip(epoch, v, 0..knobs.frames).unwrap() {
                assert_eq!(f.sample.identities.len(), f.identities.len());
                assert_eq!(f.sample.identities.len(), f.sample.masks.len());
                assert_eq!(f.identities.iter().collect::<HashSet<_>>().len(), f.identities.len(), "{}", f.sample.sample_id);
                for (&label, &id) in f.sample.identities.iter().zip(&f.identities) {
                    assert_eq!(label, st.label(id));
                    assert_eq!((id - 1) / b as u64, epoch, "{id} is not an identity of epoch {epoch}");
                    assert_eq!(*label_of.entry(label).or_insert(id), id, "label {label} held by two identities in epoch {epoch}");
                }
                assert_eq!(f.sample.video_id, st.video_id(epoch, v));
            }
        }
    }
}

#[test]
fn a_stream_rejects_bad_knobs() {
    assert!(SynthStream::new(knobs(), 0, 0).is_err());
    let err = SynthStream::new(SynthConfig { max_people: 0, ..knobs() }, 0, 4).unwrap_err();
    assert!(err.to_string().contains("min_people"), "{err}");
}

/// Generation cost per frame at the default knobs (256², 3–8 people) for whole videos and for 2-frame clips at
/// every position of a video (what a training batch renders), and how far the JPEG round trip moves pixels.
/// `cargo test -p data --test synth_stream -- --ignored --nocapture stream_generation_cost`.
#[test]
#[ignore]
fn stream_generation_cost() {
    let st = SynthStream::new(SynthConfig::default(), 0, 16).unwrap();
    let f = st.synth.frames;
    let t = Instant::now();
    for v in 0..st.videos_per_epoch {
        st.clip(0, v, 0..f).unwrap();
    }
    let whole = t.elapsed().as_secs_f64() / (st.videos_per_epoch * f) as f64;
    let t = Instant::now();
    for v in 0..st.videos_per_epoch {
        for start in (0..f).step_by(2) {
            st.clip(1, v, start..start + 2).unwrap();
        }
    }
    let clips = t.elapsed().as_secs_f64() / (st.videos_per_epoch * f) as f64;
    // Raw pixels (no JPEG) against the round trip: jpeg_quality 100 is the closest the generator gets to raw.
    let cfg = st.epoch_config(0);
    let q90 = video_frames(&cfg, 0, 0..f).unwrap();
    let q100 = video_frames(&SynthConfig { jpeg_quality: 100, ..cfg }, 0, 0..f).unwrap();
    let (mut sum, mut n) = (0u64, 0u64);
    for (a, b) in q90.iter().zip(&q100) {
        for (x, y) in a.image.as_raw().iter().zip(b.image.as_raw()) {
            sum += x.abs_diff(*y) as u64;
            n += 1;
        }
    }
    // The JPEG round trip alone (encode at quality 90, decode), on the same frames.
    let t = Instant::now();
    for fr in &q90 {
        let mut jpeg = Vec::new();
        let (w, h) = fr.image.dimensions();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode(fr.image.as_raw(), w, h, image::ExtendedColorType::Rgb8).unwrap();
        image::load_from_memory(&jpeg).unwrap();
    }
    let jpeg = t.elapsed().as_secs_f64() / q90.len() as f64;
    println!(
        "whole videos: {:.2} ms/frame ({:.0} frames/s); 2-frame clips: {:.2} ms/frame ({:.0} frames/s); of which the JPEG round trip {:.2} ms; one thread; mean |q90 - q100| = {:.2} levels",
        whole * 1e3,
        1.0 / whole,
        clips * 1e3,
        1.0 / clips,
        jpeg * 1e3,
        sum as f64 / n as f64
    );
}
