-- Nothing stored after a vote closes may tie a ballot to a voter. The roll
-- no longer says when each member voted (the n-th vote matched the n-th
-- ballot), and the ballots of votes already closed are written again in
-- the order of their receipts' hashes, so their ids and places in the file
-- say nothing of the order they were cast in. Closing does the same from
-- now on.
ALTER TABLE governance_roll DROP COLUMN voted_at;

CREATE TEMPORARY TABLE closed_ballot AS
    SELECT proposal_id, receipt_hash, class_key, choice, reason
    FROM governance_ballot WHERE voter_tag IS NULL;
DELETE FROM governance_ballot WHERE voter_tag IS NULL;
INSERT INTO governance_ballot (proposal_id, voter_tag, receipt_hash, class_key, choice, reason)
    SELECT proposal_id, NULL, receipt_hash, class_key, choice, reason
    FROM closed_ballot ORDER BY proposal_id, receipt_hash;
DROP TABLE closed_ballot;
