//! The Ken Burns move of a scene: a slow zoom (in or out) with a pan, different for every
//! scene and the same on every render of it (seeded by project and scene).

/// The most a move zooms in.
const ZOOM: f32 = 1.12;

/// The most a title card's move zooms in: its words and its label sit 8% of the frame's short
/// side from the edges (see the title card's layout), so a centred 3% zoom keeps them at least
/// 5% of it from every edge all through the move (a 12% zoom with a pan cut the label off).
const CARD_ZOOM: f32 = 1.03;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Motion {
    zoom0: f32,
    zoom1: f32,
    /// Centre of the view as a fraction of the free margin (0..1 on each axis).
    from: (f32, f32),
    to: (f32, f32),
}

/// The visible rectangle of the source at one moment: left, top, width, height (pixels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl Motion {
    pub fn for_scene(project: uuid::Uuid, index: u32) -> Motion {
        let mut h = blake3::Hasher::new();
        h.update(project.as_bytes());
        h.update(&index.to_le_bytes());
        let b = *h.finalize().as_bytes();
        let f = |i: usize| b[i] as f32 / 255.0;
        let zoom_in = b[0] & 1 == 0;
        let (zoom0, zoom1) = if zoom_in { (1.0, ZOOM) } else { (ZOOM, 1.0) };
        Motion {
            zoom0,
            zoom1,
            from: (0.2 + 0.6 * f(1), 0.2 + 0.6 * f(2)),
            to: (0.2 + 0.6 * f(3), 0.2 + 0.6 * f(4)),
        }
    }

    /// A title card's move: a slow centred zoom, in or out, no pan (see [`CARD_ZOOM`]).
    pub fn for_card(project: uuid::Uuid, index: u32) -> Motion {
        let zoom_in = Motion::for_scene(project, index).zoom0 == 1.0;
        let (zoom0, zoom1) = if zoom_in {
            (1.0, CARD_ZOOM)
        } else {
            (CARD_ZOOM, 1.0)
        };
        Motion {
            zoom0,
            zoom1,
            from: (0.5, 0.5),
            to: (0.5, 0.5),
        }
    }

    /// No move: the whole picture, still (a clip moves by itself).
    pub fn none() -> Motion {
        Motion {
            zoom0: 1.0,
            zoom1: 1.0,
            from: (0.5, 0.5),
            to: (0.5, 0.5),
        }
    }

    /// The view at progress `t` (0..1) over a `w` x `h` source, eased at both ends.
    pub fn view(&self, t: f32, w: u32, h: u32) -> View {
        let t = t.clamp(0.0, 1.0);
        let e = t * t * (3.0 - 2.0 * t);
        let lerp = |a: f32, b: f32| a + (b - a) * e;
        let zoom = lerp(self.zoom0, self.zoom1) as f64;
        let (w, h) = (w as f64, h as f64);
        let (vw, vh) = (w / zoom, h / zoom);
        let cx = lerp(self.from.0, self.to.0) as f64;
        let cy = lerp(self.from.1, self.to.1) as f64;
        View {
            left: (w - vw) * cx,
            top: (h - vh) * cy,
            width: vw,
            height: vh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_are_deterministic_varied_and_inside_the_image() {
        let p = uuid::Uuid::nil();
        assert_eq!(Motion::for_scene(p, 1), Motion::for_scene(p, 1));
        let distinct: std::collections::HashSet<String> = (1..20)
            .map(|i| format!("{:?}", Motion::for_scene(p, i)))
            .collect();
        assert!(distinct.len() > 15);
        for i in 1..50 {
            let m = Motion::for_scene(p, i);
            for k in 0..=10 {
                let v = m.view(k as f32 / 10.0, 1080, 1920);
                assert!(v.left >= 0.0 && v.top >= 0.0);
                assert!(v.left + v.width <= 1080.0 + 1e-6);
                assert!(v.top + v.height <= 1920.0 + 1e-6);
                assert!(v.width >= 1080.0 / 1.12 - 1e-3);
            }
        }
    }

    #[test]
    fn a_title_cards_words_stay_inside_the_safe_area_all_through_its_move() {
        let p = uuid::Uuid::nil();
        for (w, h) in [(1080u32, 1920u32), (1920, 1080), (1080, 1080)] {
            let unit = w.min(h) as f64;
            // The card's content box: 8% of the short side from every edge.
            let margin = unit * 0.08;
            for i in 1..40 {
                let m = Motion::for_card(p, i);
                for k in 0..=20 {
                    let v = m.view(k as f32 / 20.0, w, h);
                    let scale = w as f64 / v.width;
                    // Where the content box's edges land in the frame.
                    let left = (margin - v.left) * scale;
                    let top = (margin - v.top) * scale;
                    let right = w as f64 - (w as f64 - margin - v.left) * scale;
                    let bottom = h as f64 - (h as f64 - margin - v.top) * scale;
                    for (edge, gap) in [
                        ("left", left),
                        ("top", top),
                        ("right", right),
                        ("bottom", bottom),
                    ] {
                        assert!(
                            gap >= unit * 0.05,
                            "{w}x{h} scene {i} at {k}/20: the {edge} of the words is {gap:.0} px from the edge"
                        );
                    }
                }
            }
            // The old move would cut the card's label off: this test tells the two apart.
            let cut = (1..40).any(|i| {
                let v = Motion::for_scene(p, i).view(1.0, w, h);
                v.left > margin || v.top > margin
            });
            assert!(cut, "{w}x{h}");
        }
    }
}
