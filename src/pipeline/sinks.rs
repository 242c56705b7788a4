//! The scoring sinks: an [`Evaluator`] (tags against gold labels), a [`Coverage`] counter
//! (what the rules catch) and a review [`Sampler`](crate::evaluate::review::Sampler) (tickets
//! to label), so `evaluate`, `coverage` and `review` run on the pipeline like `tag`.

use crate::error::Result;
use crate::evaluate::coverage::Coverage;
use crate::evaluate::Evaluator;
use crate::import::SourceInfo;
use crate::rules::Matcher;

use super::{Batch, Needs, Sink};

impl Sink for Evaluator<'_> {
    fn start(&mut self, _source: &SourceInfo) -> Result<Needs> {
        Ok(Needs::Tags)
    }

    fn batch(&mut self, batch: &Batch<'_>) -> Result<()> {
        for (ticket, tagged) in batch.tickets.iter().zip(batch.tagged) {
            self.record(ticket, &tagged.tagging);
        }
        Ok(())
    }
}

/// [`Coverage`] as a sink: counts which rules fire on which tickets.
pub struct CoverageSink<'a> {
    /// The counts.
    pub coverage: &'a mut Coverage,
    /// The rules being counted (those of the pipeline's tagger).
    pub matcher: &'a Matcher,
}

impl Sink for CoverageSink<'_> {
    fn start(&mut self, _source: &SourceInfo) -> Result<Needs> {
        Ok(Needs::Tags)
    }

    fn batch(&mut self, batch: &Batch<'_>) -> Result<()> {
        for (ticket, tagged) in batch.tickets.iter().zip(batch.tagged) {
            self.coverage.record(self.matcher, ticket, &tagged.tagging);
        }
        Ok(())
    }
}

impl Sink for crate::evaluate::review::Sampler<'_> {
    fn start(&mut self, _source: &SourceInfo) -> Result<Needs> {
        Ok(match self.wants_words() {
            true => Needs::Words,
            false => Needs::Tags,
        })
    }

    fn batch(&mut self, batch: &Batch<'_>) -> Result<()> {
        for (ticket, tagged) in batch.tickets.iter().zip(batch.tagged) {
            self.add_with_words(ticket, &tagged.tagging, &tagged.matches);
        }
        Ok(())
    }
}
