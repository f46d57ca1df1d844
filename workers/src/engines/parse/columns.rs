//! A table of headings and what they head, as OCR sometimes reads it: the column of
//! headings first, then the column of their contents (`Previous jobs`, `Awards`, then the
//! jobs, then the awards). Put back in reading order, each heading before its block.

use super::heading_kind;

/// The text with every run of stacked headings followed by as many blocks put back in
/// reading order; `None` when it has no such run.
pub fn in_reading_order(text: &str) -> Option<String> {
    let blocks: Vec<&str> = text
        .split("\n\n")
        .map(|b| b.trim_matches('\n'))
        .filter(|b| !b.trim().is_empty())
        .collect();
    let heading = |block: &str| !block.contains('\n') && heading_kind(block).is_some();
    let mut ordered: Vec<&str> = Vec::with_capacity(blocks.len());
    let mut moved = false;
    let mut at = 0;
    while at < blocks.len() {
        let headings = blocks[at..].iter().take_while(|b| heading(b)).count();
        let after = &blocks[at + headings..];
        let contents = after.iter().take_while(|b| !heading(b)).count();
        if headings >= 2 && contents >= headings {
            for (h, block) in blocks[at..at + headings].iter().zip(after) {
                ordered.extend([*h, *block]);
            }
            moved = true;
            at += 2 * headings;
        } else {
            ordered.extend(&blocks[at..at + headings.max(1)]);
            at += headings.max(1);
        }
    }
    moved.then(|| ordered.join("\n\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_headings_get_their_blocks_back_in_order() {
        let read = "Resume\n\nPrevious jobs\n\nAwards and Recognitions\n\n\
                    Private Detective\nNeurosurgeon\n\nNobel Prize in Medicine\n\n\
                    Strengths\n\nImaginative\n";
        assert_eq!(
            in_reading_order(read).as_deref(),
            Some(
                "Resume\n\nPrevious jobs\n\nPrivate Detective\nNeurosurgeon\n\n\
                 Awards and Recognitions\n\nNobel Prize in Medicine\n\nStrengths\n\nImaginative\n"
            )
        );
    }

    #[test]
    fn a_heading_followed_by_its_own_block_is_left_alone() {
        let text = "Experience\n\nAcme, 2020 - 2022\n\nEducation\n\nState University\n";
        assert_eq!(in_reading_order(text), None);
        // Two headings, but only one block after them: nothing to pair.
        assert_eq!(in_reading_order("Skills\n\nAwards\n\nRust\n"), None);
    }
}
