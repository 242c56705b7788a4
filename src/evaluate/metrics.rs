//! Classification metrics as pure functions on counts, so that every figure `evaluate` prints
//! can be checked by hand.
//!
//! Conventions (those of scikit-learn with `zero_division=0`): a precision with no prediction,
//! a recall with no support and an F1 with precision + recall = 0 are 0, never NaN, so that
//! they can be averaged and serialised.

/// True positives, false positives and false negatives of one service (or summed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Tagged and in the gold labels.
    pub tp: u64,
    /// Tagged, not in the gold labels (a false alarm).
    pub fp: u64,
    /// In the gold labels, not tagged (a miss).
    pub fn_: u64,
}

impl Counts {
    /// Gold tickets with the service: `tp + fn`.
    pub fn support(&self) -> u64 {
        self.tp + self.fn_
    }

    /// Tickets tagged with the service: `tp + fp`.
    pub fn predicted(&self) -> u64 {
        self.tp + self.fp
    }

    /// Whether the service has support or predictions (the services macro averages count).
    pub fn is_active(&self) -> bool {
        self.tp + self.fp + self.fn_ > 0
    }

    /// Adds another count to this one.
    pub fn add(&mut self, other: &Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

/// Precision, recall and F1 together.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Scores {
    /// `tp / (tp + fp)`.
    pub precision: f64,
    /// `tp / (tp + fn)`.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// `num / den`, 0 when `den` is 0.
pub fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// `tp / (tp + fp)`; 0 without predictions.
pub fn precision(c: &Counts) -> f64 {
    ratio(c.tp, c.predicted())
}

/// `tp / (tp + fn)`; 0 without support.
pub fn recall(c: &Counts) -> f64 {
    ratio(c.tp, c.support())
}

/// `2 p r / (p + r)`; 0 when both are 0.
pub fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

/// Precision, recall and F1 of one count.
pub fn scores(c: &Counts) -> Scores {
    let (p, r) = (precision(c), recall(c));
    Scores {
        precision: p,
        recall: r,
        f1: f1(p, r),
    }
}

/// Micro average: the scores of the summed counts (every ticket-service pair weighs the same).
pub fn micro(counts: &[Counts]) -> Scores {
    let mut total = Counts::default();
    counts.iter().for_each(|c| total.add(c));
    scores(&total)
}

/// Macro average over the *active* counts (support or predictions, see
/// [`Counts::is_active`]): the mean of their precisions, recalls and F1s (F1 is the mean of
/// the F1s, not the F1 of the means). Every service weighs the same, however rare; services
/// never labelled nor tagged are left out, since they say nothing about the rules. Returns the
/// scores and how many services were averaged.
pub fn macro_average(counts: &[Counts]) -> (Scores, usize) {
    let active: Vec<Scores> = counts
        .iter()
        .filter(|c| c.is_active())
        .map(scores)
        .collect();
    let n = active.len();
    if n == 0 {
        return (Scores::default(), 0);
    }
    let mean = |f: fn(&Scores) -> f64| active.iter().map(f).sum::<f64>() / n as f64;
    let s = Scores {
        precision: mean(|s| s.precision),
        recall: mean(|s| s.recall),
        f1: mean(|s| s.f1),
    };
    (s, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(tp: u64, fp: u64, fn_: u64) -> Counts {
        Counts { tp, fp, fn_ }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn scores_match_a_hand_computed_case() {
        // 3 right, 1 false alarm, 2 misses: p = 3/4, r = 3/5, f1 = 2*0.75*0.6/1.35 = 2/3.
        let s = scores(&c(3, 1, 2));
        assert!(close(s.precision, 0.75));
        assert!(close(s.recall, 0.6));
        assert!(close(s.f1, 2.0 / 3.0));
    }

    #[test]
    fn empty_denominators_give_zero_not_nan() {
        let s = scores(&c(0, 0, 4));
        assert_eq!((s.precision, s.recall, s.f1), (0.0, 0.0, 0.0));
        let s = scores(&c(0, 2, 0));
        assert_eq!((s.precision, s.recall, s.f1), (0.0, 0.0, 0.0));
    }

    #[test]
    fn micro_sums_counts_and_macro_averages_active_services() {
        // A: 3/1/2 (f1 2/3), B: 1/0/0 (f1 1), C: never labelled nor tagged.
        let counts = [c(3, 1, 2), c(1, 0, 0), c(0, 0, 0)];
        let m = micro(&counts);
        // summed: tp 4, fp 1, fn 2 -> p 4/5, r 4/6, f1 = 2*0.8*(2/3)/(0.8+2/3) = 8/11.
        assert!(close(m.precision, 0.8));
        assert!(close(m.recall, 4.0 / 6.0));
        assert!(close(m.f1, 8.0 / 11.0));
        let (mac, n) = macro_average(&counts);
        assert_eq!(
            n, 2,
            "the service with neither support nor predictions is left out"
        );
        assert!(close(mac.precision, (0.75 + 1.0) / 2.0));
        assert!(close(mac.recall, (0.6 + 1.0) / 2.0));
        assert!(close(mac.f1, (2.0 / 3.0 + 1.0) / 2.0));
    }

    #[test]
    fn macro_of_nothing_is_zero_over_zero_services() {
        assert_eq!(macro_average(&[c(0, 0, 0)]), (Scores::default(), 0));
    }
}
