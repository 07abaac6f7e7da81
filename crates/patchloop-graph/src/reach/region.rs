//! The walk behind every query and every hub: from one component down the DAG, stopping
//! at hubs, with per-thread scratch space so that a query allocates nothing.

use super::{NONE, ReachIndex};

/// Per-thread scratch: an epoch-stamped visited array and work lists, so a query
/// allocates nothing.
pub(crate) struct Scratch {
    seen: Vec<u32>,
    stamp: u32,
    pub(super) stack: Vec<u32>,
    /// After [`ReachIndex::region`]: the non-hub components visited.
    pub(super) private: Vec<u32>,
    /// After [`ReachIndex::region`]: the hubs met, none inside another, largest first.
    pub(super) found: Vec<u32>,
}

impl Scratch {
    pub(crate) fn new(n_comp: u32) -> Scratch {
        Scratch {
            seen: vec![0; n_comp as usize],
            stamp: 0,
            stack: Vec::new(),
            private: Vec::new(),
            found: Vec::new(),
        }
    }

    /// Starts a walk: a new stamp forgets every mark without clearing the array (except
    /// once every 2³² walks, when the stamp wraps).
    fn begin(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.stamp = 1;
        }
        self.stack.clear();
        self.private.clear();
        self.found.clear();
    }

    /// Marks `c` seen; false when it already was.
    fn mark(&mut self, c: u32) -> bool {
        match self.seen.get_mut(c as usize) {
            Some(s) if *s != self.stamp => {
                *s = self.stamp;
                true
            }
            _ => false,
        }
    }

    /// Whether the current walk has seen `c`.
    pub(super) fn is_seen(&self, c: u32) -> bool {
        self.seen.get(c as usize) == Some(&self.stamp)
    }
}

/// How many of the hubs met so far are tried when pruning a newly discovered component.
const PRUNE_CHECK: usize = 4;

impl ReachIndex {
    /// Walks the DAG from `root`, stopping at hubs. Leaves in `s.private` the non-hub
    /// components visited (root included) and in `s.found` the hubs met, reduced to those
    /// not inside another and sorted by size (largest first).
    pub(super) fn region(&self, root: u32, s: &mut Scratch) {
        s.begin();
        s.mark(root);
        s.stack.push(root);
        while let Some(c) = s.stack.pop() {
            s.private.push(c);
            for &d in self.dag_succ(c) {
                if !s.mark(d) {
                    continue;
                }
                // Already inside a hub we will count whole: nothing to add below it.
                if s.found
                    .iter()
                    .take(PRUNE_CHECK)
                    .any(|&k| self.contains(k, d))
                {
                    continue;
                }
                match self.hub_of(d) {
                    NONE => s.stack.push(d),
                    slot => s.found.push(slot),
                }
            }
        }
        // A hub inside another hub adds nothing. Containment implies a strictly smaller
        // set (equal sets would be one component), so checking against larger ones
        // already kept is enough.
        let mut found = std::mem::take(&mut s.found);
        found.sort_by_key(|&k| (std::cmp::Reverse(self.hub(k).map_or(0, |h| h.size)), k));
        let mut kept: Vec<u32> = Vec::with_capacity(found.len());
        for k in found.drain(..) {
            let kc = self.hub(k).map_or(NONE, |h| h.comp);
            if !kept.iter().any(|&j| self.contains(j, kc)) {
                kept.push(k);
            }
        }
        s.found = kept;
    }
}
