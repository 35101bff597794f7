ALTER TABLE widgets.widget ADD COLUMN colour text;
