//! One synthetic video as a small simulation: people and props on a ground plane with perspective, moving
//! frame by frame, drawn far-to-near so that nearer objects hide farther ones.
//!
//! Depth `z` in [0, 1] places an object: 0 is the far end of the ground (small, high in the frame), 1 the near
//! end (large, feet at the bottom). People walk at their own speed, leave the frame, stay away a few frames
//! and come back (turned around, or from the other side) with the same identity.

use super::background::{clutter_colour, paint_background, rect};
use super::config::SynthConfig;
use super::figure::{Appearance, PoseKind, PoseStyle, Skeleton};
use super::raster::{Canvas, Paint};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// One identity in a video.
#[derive(Debug, Clone)]
pub struct Person {
    /// Label in the canvas (1-based, unique within the video).
    pub slot: u16,
    /// Clothing and skin colours.
    pub look: Appearance,
    /// What the person does.
    pub kind: PoseKind,
    style: PoseStyle,
    facing: f32,
    /// Feet x in pixels.
    x: f32,
    z: f32,
    /// Speed in figure heights per frame (signed, along x).
    speed: f32,
    vz: f32,
    phase: f32,
    /// Frames left before re-entering; 0 while in the scene.
    away: u32,
    stool: [u8; 3],
}

#[derive(Debug, Clone, Copy)]
enum PropKind {
    Pole,
    Crate,
    Bush,
    Ball,
}

/// A non-person object that takes part in occlusion.
#[derive(Debug, Clone)]
struct Prop {
    kind: PropKind,
    x: f32,
    z: f32,
    /// Pixels per frame.
    vx: f32,
    size: f32,
    paint: Paint,
}

/// The state of one video.
#[derive(Debug, Clone)]
pub struct Scene {
    width: usize,
    horizon: f32,
    ground_bottom: f32,
    h_max: f32,
    s_min: f32,
    background: Vec<u8>,
    /// The identities, in slot order.
    pub people: Vec<Person>,
    props: Vec<Prop>,
}

impl Person {
    /// True while the person is outside the frame, waiting to come back.
    pub fn is_away(&self) -> bool {
        self.away > 0
    }
}

impl Scene {
    /// A new random scene for `cfg`.
    pub fn new(cfg: &SynthConfig, rng: &mut ChaCha8Rng) -> Scene {
        let (w, h) = (cfg.width as usize, cfg.height as usize);
        let (wf, hf) = (w as f32, h as f32);
        let horizon = hf * rng.random_range(0.3..0.45);
        let mut bg = Canvas::new(w, h);
        paint_background(&mut bg, horizon, rng);
        let mut scene = Scene {
            width: w,
            horizon,
            ground_bottom: hf * 1.02,
            h_max: cfg.max_person_frac * hf,
            s_min: cfg.min_person_frac / cfg.max_person_frac,
            background: bg.rgb,
            people: Vec::new(),
            props: Vec::new(),
        };
        let n = rng.random_range(cfg.min_people..=cfg.max_people);
        let hue0: f32 = rng.random();
        for k in 0..n {
            // Golden-ratio hue spacing keeps shirt colours of one video apart.
            let look = Appearance::sample(rng, hue0 + 0.618_034 * k as f32);
            let mut kind = PoseKind::sample(rng);
            let mut z: f32 = rng.random();
            let mut x = rng.random_range(0.05..0.95) * wf;
            let mut speed = if kind.stationary() { 0.0 } else { rng.random_range(0.03..0.11) };
            if !kind.stationary() && kind != PoseKind::Walking && rng.random_bool(0.5) {
                speed *= 0.4;
            }
            let mut facing = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
            // Half of the people join someone already placed: a group walking together, or a crossing.
            if k > 0 && rng.random_bool(0.55) {
                let a = &scene.people[rng.random_range(0..k)];
                let ha = scene.scale(a.z) * scene.h_max;
                z = (a.z + rng.random_range(-0.12..0.12)).clamp(0.0, 1.0);
                x = a.x + rng.random_range(-0.45..0.45) * ha;
                if a.speed != 0.0 && rng.random_bool(0.6) {
                    kind = PoseKind::Walking;
                    if rng.random_bool(0.5) {
                        speed = a.speed * rng.random_range(0.85..1.15);
                        facing = a.facing;
                    } else {
                        // Coming the other way: start across from the anchor so that they meet.
                        speed = rng.random_range(0.03..0.11);
                        facing = -a.facing;
                        x = a.x + a.facing * rng.random_range(0.5..1.5) * ha;
                    }
                }
            } else if kind == PoseKind::Walking {
                let u: f32 = rng.random();
                if u < 0.35 {
                    // Start outside the frame and walk in.
                    x = if facing > 0.0 { -0.2 * wf } else { 1.2 * wf };
                } else if u < 0.7 {
                    // Start near the edge ahead: leaves soon, comes back later.
                    x = if facing > 0.0 { rng.random_range(0.75..1.0) * wf } else { rng.random_range(0.0..0.25) * wf };
                }
            }
            let style = PoseStyle::sample(rng, kind);
            scene.people.push(Person {
                slot: (k + 1) as u16,
                look,
                kind,
                style,
                facing,
                x,
                z,
                speed: speed * facing,
                vz: if kind == PoseKind::Walking { rng.random_range(-0.01..0.01) } else { 0.0 },
                phase: rng.random_range(0.0..std::f32::consts::TAU),
                away: 0,
                stool: clutter_colour(rng),
            });
        }
        let props = rng.random_range(0..=cfg.max_distractors);
        for _ in 0..props {
            let kind = [PropKind::Pole, PropKind::Crate, PropKind::Bush, PropKind::Ball][rng.random_range(0..4)];
            let colour = clutter_colour(rng);
            let paint = if rng.random_bool(0.3) {
                Paint::Stripes { a: colour, b: clutter_colour(rng), origin: (0.0, 0.0), axis: (0.0, 1.0), period: rng.random_range(4.0..12.0) }
            } else {
                Paint::Solid(colour)
            };
            scene.props.push(Prop {
                kind,
                x: rng.random_range(0.0..1.0) * wf,
                z: rng.random(),
                vx: if matches!(kind, PropKind::Ball) { rng.random_range(-0.03..0.03) * wf } else { 0.0 },
                size: rng.random_range(0.6..1.4),
                paint,
            });
        }
        scene
    }

    /// Perspective scale of depth `z`: 1 at the near end, `s_min` at the far end.
    fn scale(&self, z: f32) -> f32 {
        self.s_min + (1.0 - self.s_min) * z
    }

    /// Ground y of depth `z`.
    fn ground(&self, z: f32) -> f32 {
        self.horizon + self.scale(z) * (self.ground_bottom - self.horizon)
    }

    fn skeleton(&self, p: &Person) -> Skeleton {
        let h = self.scale(p.z) * self.h_max;
        Skeleton::pose(p.kind, &p.style, (p.x, self.ground(p.z)), h, p.facing, p.phase)
    }

    /// Draws the current state: background, then people and props from far to near.
    pub fn render(&self, canvas: &mut Canvas) {
        canvas.rgb.copy_from_slice(&self.background);
        canvas.labels.fill(0);
        // (depth, person index or prop index); ties broken by kind and index so the order is fixed.
        let mut order: Vec<(f32, usize, usize)> = Vec::new();
        for (i, p) in self.people.iter().enumerate() {
            if p.away == 0 {
                order.push((p.z, 1, i));
            }
        }
        for (i, p) in self.props.iter().enumerate() {
            order.push((p.z, 0, i));
        }
        order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        for (_, is_person, i) in order {
            if is_person == 1 {
                let p = &self.people[i];
                let sk = self.skeleton(p);
                if p.kind == PoseKind::Sitting {
                    // A stool under the seat, drawn behind the person (it hides people farther back).
                    let seat_y = sk.pelvis.1 + 0.03 * sk.h;
                    let (sw, gy) = (0.16 * sk.h, self.ground(p.z));
                    canvas.fill_polygon(&rect(sk.pelvis.0 - sw * 0.6, seat_y, sw * 1.2, 0.04 * sk.h), &Paint::Solid(p.stool), 0);
                    canvas.fill_polygon(&rect(sk.pelvis.0 - 0.02 * sk.h, seat_y, 0.04 * sk.h, gy - seat_y), &Paint::Solid(p.stool), 0);
                }
                sk.draw(&p.look, canvas, p.slot);
            } else {
                self.draw_prop(&self.props[i], canvas);
            }
        }
    }

    fn draw_prop(&self, p: &Prop, canvas: &mut Canvas) {
        let h = self.scale(p.z) * self.h_max * p.size;
        let gy = self.ground(p.z);
        match p.kind {
            PropKind::Pole => canvas.fill_polygon(&rect(p.x, gy - 1.2 * h, 0.05 * h, 1.2 * h), &p.paint, 0),
            PropKind::Crate => canvas.fill_polygon(&rect(p.x, gy - 0.3 * h, 0.35 * h, 0.3 * h), &p.paint, 0),
            PropKind::Bush => canvas.fill_ellipse((p.x, gy - 0.15 * h), 0.3 * h, 0.18 * h, 0.0, &p.paint, 0),
            PropKind::Ball => canvas.fill_ellipse((p.x, gy - 0.06 * h), 0.06 * h, 0.06 * h, 0.0, &p.paint, 0),
        }
    }

    /// Advances everyone by one frame: walking, leaving the frame, re-entering after a pause.
    pub fn step(&mut self, rng: &mut ChaCha8Rng) {
        let wf = self.width as f32;
        for i in 0..self.people.len() {
            let sk = self.skeleton(&self.people[i]);
            let h = sk.h;
            let (x0, _, x1, _) = sk.extent();
            let p = &mut self.people[i];
            if p.away > 0 {
                p.away -= 1;
                if p.away == 0 {
                    // Come back: turned around on the side they left, or walking on from the other side.
                    let left_side = p.x < wf * 0.5;
                    if rng.random_bool(0.5) {
                        p.speed = -p.speed;
                        p.facing = -p.facing;
                    } else {
                        p.x = if left_side { wf + 0.5 * h } else { -0.5 * h };
                    }
                    if p.speed == 0.0 {
                        p.speed = 0.06 * p.facing;
                    }
                    p.facing = p.speed.signum();
                }
                continue;
            }
            p.x += p.speed * h;
            p.z = (p.z + p.vz).clamp(0.0, 1.0);
            p.phase += p.style.rate * (0.4 + 8.0 * p.speed.abs());
            let gone = (x1 < 0.0 && p.speed < 0.0) || (x0 >= wf && p.speed > 0.0);
            if gone {
                p.away = rng.random_range(1..8);
            }
        }
        for p in &mut self.props {
            p.x += p.vx;
            if p.x < -0.1 * wf || p.x > 1.1 * wf {
                p.vx = -p.vx;
            }
        }
    }
}
