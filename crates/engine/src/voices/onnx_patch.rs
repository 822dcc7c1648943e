//! Exposing a voice model's phoneme durations: the tensor giving the frames each phoneme id
//! lasts (Piper's `w_ceil`, Kokoro's rounded and clipped `pred_dur`) is marked as a graph
//! output, in memory, as Piper's own `patch_voice_with_alignment` does with the `onnx` package. Here it is done on the model's
//! protobuf bytes directly (ONNX `ModelProto` → field 7 `graph` → field 1 `node` with field 4
//! `op_type`, field 1 `input` and field 2 `output`; a new field 12 `output`, a `ValueInfoProto` with field 1
//! `name`), so no protobuf library and no Python are needed.

/// Reads a varint at `*at`, moving past it.
fn varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at)?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// One field of a message: its number, wire type, and where its whole encoding and (for a
/// length-delimited field) its payload are.
struct Field {
    number: u64,
    wire: u64,
    whole: std::ops::Range<usize>,
    payload: std::ops::Range<usize>,
}

/// The fields of the message in `b` (None: not a well-formed message).
fn fields(b: &[u8]) -> Option<Vec<Field>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < b.len() {
        let start = at;
        let tag = varint(b, &mut at)?;
        let (number, wire) = (tag >> 3, tag & 7);
        let payload = match wire {
            0 => {
                let s = at;
                varint(b, &mut at)?;
                s..at
            }
            1 => {
                at = at.checked_add(8)?;
                at - 8..at
            }
            2 => {
                let len = usize::try_from(varint(b, &mut at)?).ok()?;
                let end = at.checked_add(len)?;
                let p = at..end;
                at = end;
                p
            }
            5 => {
                at = at.checked_add(4)?;
                at - 4..at
            }
            _ => return None,
        };
        if at > b.len() {
            return None;
        }
        out.push(Field {
            number,
            wire,
            whole: start..at,
            payload,
        });
    }
    Some(out)
}

/// Whether `model` reads as an ONNX model: a well-formed message with a graph that has nodes.
pub fn is_model(model: &[u8]) -> bool {
    let Some(top) = fields(model) else {
        return false;
    };
    top.iter()
        .find(|f| f.number == 7 && f.wire == 2)
        .and_then(|g| fields(&model[g.payload.clone()]))
        .is_some_and(|g| g.iter().any(|f| f.number == 1 && f.wire == 2))
}

/// One node of a graph: its op type, inputs and outputs.
struct Node {
    op: Vec<u8>,
    inputs: Vec<String>,
    outputs: Vec<String>,
}

fn nodes(g: &[u8]) -> Option<Vec<Node>> {
    let mut out = Vec::new();
    for node in fields(g)?.iter().filter(|f| f.number == 1 && f.wire == 2) {
        let n = &g[node.payload.clone()];
        let nf = fields(n)?;
        let text = |number: u64| -> Option<Vec<String>> {
            nf.iter()
                .filter(|f| f.number == number && f.wire == 2)
                .map(|f| String::from_utf8(n[f.payload.clone()].to_vec()).ok())
                .collect()
        };
        out.push(Node {
            op: nf
                .iter()
                .find(|f| f.number == 4 && f.wire == 2)
                .map(|o| n[o.payload.clone()].to_vec())
                .unwrap_or_default(),
            inputs: text(1)?,
            outputs: text(2)?,
        });
    }
    Some(out)
}

/// The tensor that gives each input id's frames: the output of a Piper model's one `Ceil`
/// node (`w_ceil`), or of the `Clip` that bounds the one `Round` of a Kokoro model (its
/// duration predictor's `pred_dur`, at least one frame each).
fn durations_tensor(nodes: &[Node]) -> Option<String> {
    let one = |op: &[u8]| -> Option<&Node> {
        let mut it = nodes.iter().filter(|n| n.op == op);
        let first = it.next()?;
        it.next().is_none().then_some(first)
    };
    if let Some(ceil) = one(b"Ceil") {
        return match ceil.outputs.as_slice() {
            [name] => Some(name.clone()),
            _ => None,
        };
    }
    let round = one(b"Round")?;
    let [rounded] = round.outputs.as_slice() else {
        return None;
    };
    let clip = nodes
        .iter()
        .find(|n| n.op == b"Clip" && n.inputs.first() == Some(rounded))?;
    match clip.outputs.as_slice() {
        [name] => Some(name.clone()),
        _ => None,
    }
}

/// The model with its durations tensor (see [`durations_tensor`]) added to the graph's
/// outputs, and that output's name; None when the model has no such tensor (or is not a
/// model).
pub fn with_durations(model: &[u8]) -> Option<(Vec<u8>, String)> {
    let top = fields(model)?;
    let graph = top.iter().find(|f| f.number == 7 && f.wire == 2)?;
    let g = &model[graph.payload.clone()];
    let name = durations_tensor(&nodes(g)?)?;
    // The new output: field 12 of the graph, a ValueInfoProto holding only its name.
    let mut info = vec![0x0a];
    put_varint(&mut info, name.len() as u64);
    info.extend(name.as_bytes());
    let mut new_graph = g.to_vec();
    new_graph.push(0x62);
    put_varint(&mut new_graph, info.len() as u64);
    new_graph.extend(info);
    let mut out = Vec::with_capacity(model.len() + 64);
    for f in &top {
        if f.number == 7 && f.wire == 2 {
            out.push(0x3a);
            put_varint(&mut out, new_graph.len() as u64);
            out.extend(&new_graph);
        } else {
            out.extend(&model[f.whole.clone()]);
        }
    }
    Some((out, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(fields: &[(u64, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, payload) in fields {
            put_varint(&mut out, n << 3 | 2);
            put_varint(&mut out, payload.len() as u64);
            out.extend(*payload);
        }
        out
    }

    #[test]
    fn the_one_ceil_output_becomes_a_graph_output() {
        let ceil = msg(&[(1, b"x"), (2, b"w_ceil"), (4, b"Ceil")]);
        let other = msg(&[(1, b"a"), (2, b"b"), (4, b"Exp")]);
        let graph = msg(&[(1, &other), (1, &ceil), (12, &msg(&[(1, b"output")]))]);
        let model = msg(&[(2, b"producer"), (7, &graph), (8, b"opset")]);
        let (patched, name) = with_durations(&model).expect("patched");
        assert_eq!(name, "w_ceil");
        let top = fields(&patched).unwrap();
        let g = top.iter().find(|f| f.number == 7).unwrap();
        let outputs: Vec<Vec<u8>> = fields(&patched[g.payload.clone()])
            .unwrap()
            .into_iter()
            .filter(|f| f.number == 12)
            .map(|f| patched[g.payload.clone()][f.payload.clone()].to_vec())
            .collect();
        assert_eq!(
            outputs,
            vec![msg(&[(1, b"output")]), msg(&[(1, b"w_ceil")])]
        );
        // The other top-level fields are kept, in order.
        assert_eq!(
            top.iter().map(|f| f.number).collect::<Vec<_>>(),
            vec![2, 7, 8]
        );
        // Two Ceil nodes, none, or bytes that are not a model: left alone.
        let two = msg(&[(7, &msg(&[(1, &ceil), (1, &ceil)]))]);
        assert!(with_durations(&two).is_none());
        assert!(with_durations(&msg(&[(7, &msg(&[(1, &other)]))])).is_none());
        assert!(with_durations(b"not a model at all").is_none());
        assert!(with_durations(&[0xff; 12]).is_none());
    }

    #[test]
    fn a_kokoro_model_gives_the_clip_after_its_one_round() {
        let div = msg(&[(1, b"sum"), (1, b"speed"), (2, b"d"), (4, b"Div")]);
        let round = msg(&[(1, b"d"), (2, b"r"), (4, b"Round")]);
        let other_clip = msg(&[(1, b"z"), (2, b"zc"), (4, b"Clip")]);
        let clip = msg(&[(1, b"r"), (1, b"one"), (2, b"pred_dur"), (4, b"Clip")]);
        let graph = msg(&[(1, &div), (1, &other_clip), (1, &round), (1, &clip)]);
        let (_, name) = with_durations(&msg(&[(7, &graph)])).expect("patched");
        assert_eq!(name, "pred_dur");
        // A Round with no Clip after it, or two Rounds: nothing is guessed.
        let alone = msg(&[(7, &msg(&[(1, &round), (1, &other_clip)]))]);
        assert!(with_durations(&alone).is_none());
        let two = msg(&[(7, &msg(&[(1, &round), (1, &round), (1, &clip)]))]);
        assert!(with_durations(&two).is_none());
    }
}
