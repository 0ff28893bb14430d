-- Outfits from the story memory: what a character wears by the end of an episode (empty: their usual look) and the
-- same in English words for the image models, and which outfit a reference version shows (empty: the usual look).
-- Version numbers stay unique per character across outfits, so the primary key is unchanged.
ALTER TABLE character_states ADD COLUMN outfit TEXT NOT NULL DEFAULT '';
ALTER TABLE character_states ADD COLUMN outfit_prompt TEXT NOT NULL DEFAULT '';
ALTER TABLE character_references ADD COLUMN outfit TEXT NOT NULL DEFAULT '';
