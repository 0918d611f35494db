-- The resources page (DESIGN capability 13): curated by the instance's
-- admins, seeded with national resources (United States) that the operator
-- edits for their country. PostgreSQL twin: postgres/0007.

create table resource (
    id blob primary key,
    category text not null check (category in ('crisis_lines', 'helplines',
        'treatment_finders', 'mutual_aid', 'harm_reduction', 'family_support', 'guides')),
    name text not null,
    description text not null default '',
    -- How to reach it, in a few words ("Call or text 988").
    contact text not null default '',
    -- Digits for a tel: link.
    phone text not null default '',
    url text not null default '',
    -- Where it serves ("US"); empty for everywhere.
    region text not null default '',
    position integer not null default 0,
    retired integer not null default 0,
    created_at text not null,
    updated_at text not null
) strict;
create index resource_order on resource (category, position, name);

insert into resource (id, category, name, description, contact, phone, url, region, position, created_at, updated_at) values
    (randomblob(16), 'crisis_lines', '988 Suicide and Crisis Lifeline', 'Free, confidential support for anyone in distress, day and night, by phone, text or chat.', 'Call or text 988', '988', 'https://988lifeline.org', 'US', 10, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'crisis_lines', 'Crisis Text Line', 'A trained crisis counselor texts with you, any time.', 'Text HOME to 741741', '', 'https://www.crisistextline.org', 'US', 20, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'crisis_lines', 'Emergency services', 'If you or someone else is in immediate danger.', 'Call 911', '911', '', 'US', 30, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'helplines', 'SAMHSA National Helpline', 'Free, confidential treatment referral and information about substance use and mental health, 24 hours a day, in English and Spanish.', 'Call 1-800-662-4357', '18006624357', 'https://www.samhsa.gov/find-help/helplines/national-helpline', 'US', 10, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'treatment_finders', 'FindTreatment.gov', 'Find state-licensed treatment for substance use and mental health near you, from SAMHSA.', '', '', 'https://findtreatment.gov', 'US', 10, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'mutual_aid', 'Alcoholics Anonymous: find a meeting', 'Meetings in person and online, worldwide.', '', '', 'https://www.aa.org/find-aa', '', 10, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'mutual_aid', 'Narcotics Anonymous: find a meeting', 'Meetings in person and online, worldwide.', '', '', 'https://www.na.org/meetingsearch/', '', 20, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'mutual_aid', 'SMART Recovery: find a meeting', 'Science-based, self-empowering mutual-aid meetings, in person and online.', '', '', 'https://meetings.smartrecovery.org/', '', 30, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'mutual_aid', 'Recovery Dharma', 'Peer-led meetings using Buddhist practice and principles.', '', '', 'https://recoverydharma.org/', '', 40, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'harm_reduction', 'Never Use Alone', 'A free, confidential line for people who use drugs alone: someone stays on the line and sends help if you stop responding.', 'Call 1-800-484-3731', '18004843731', 'https://neverusealone.com', 'US', 10, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'family_support', 'Al-Anon and Alateen', 'Support for families and friends of people who drink.', '', '', 'https://al-anon.org/al-anon-meetings/', '', 10, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'family_support', 'Nar-Anon', 'Support for families and friends of people who use drugs.', '', '', 'https://www.nar-anon.org/', '', 20, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00'),
    (randomblob(16), 'guides', 'Start a group at work or school', 'How to start a peer-support group: purpose, privacy, invite codes, the first meeting and ground rules.', '', '', '/resources/start-a-group', '', 10, '2026-11-25T00:00:00+00:00', '2026-11-25T00:00:00+00:00');
