//! Exposing a Piper model's phoneme durations: the output of its one `Ceil` node (`w_ceil`,
//! the frames each phoneme id lasts) is marked as a graph output, in memory, as Piper's own
//! `patch_voice_with_alignment` does with the `onnx` package. Here it is done on the model's
//! protobuf bytes directly (ONNX `ModelProto` → field 7 `graph` → field 1 `node` with field 4
//! `op_type` and field 2 `output`; a new field 12 `output`, a `ValueInfoProto` with field 1
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

/// The model with its one `Ceil` node's output added to the graph's outputs, and that
/// output's name; None when the model has no single such node (or is not a model).
pub fn with_durations(model: &[u8]) -> Option<(Vec<u8>, String)> {
    let top = fields(model)?;
    let graph = top.iter().find(|f| f.number == 7 && f.wire == 2)?;
    let g = &model[graph.payload.clone()];
    let mut ceil = Vec::new();
    for node in fields(g)?.iter().filter(|f| f.number == 1 && f.wire == 2) {
        let n = &g[node.payload.clone()];
        let nf = fields(n)?;
        let op = nf.iter().find(|f| f.number == 4 && f.wire == 2);
        if op.is_some_and(|o| &n[o.payload.clone()] == b"Ceil") {
            for o in nf.iter().filter(|f| f.number == 2 && f.wire == 2) {
                ceil.push(String::from_utf8(n[o.payload.clone()].to_vec()).ok()?);
            }
        }
    }
    let [name] = ceil.as_slice() else {
        return None;
    };
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
    Some((out, name.clone()))
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
}
