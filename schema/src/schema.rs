// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    account_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Uuid,
        purpose -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    announcements (id) {
        id -> Uuid,
        title -> Text,
        body -> Text,
        min_level -> Nullable<Text>,
        language -> Nullable<Text>,
        send_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        job_id -> Uuid,
        reached_user -> Nullable<Uuid>,
        delivered -> Int4,
        finished_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    crawl_pages (source_id, url) {
        source_id -> Uuid,
        url -> Text,
        etag -> Nullable<Text>,
        last_modified -> Nullable<Text>,
        external_ids -> Array<Text>,
    }
}

diesel::table! {
    crawl_runs (id) {
        id -> Uuid,
        source_id -> Uuid,
        job_id -> Uuid,
        tick -> Nullable<Timestamptz>,
        status -> Text,
        fetched -> Int4,
        new -> Int4,
        updated -> Int4,
        unchanged -> Int4,
        closed -> Int4,
        errors -> Int4,
        error_samples -> Jsonb,
        duration_ms -> Nullable<Int8>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    crawl_sources (id) {
        id -> Uuid,
        name -> Text,
        spec -> Jsonb,
        schedule -> Text,
        enabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    diagnoses (job_id) {
        job_id -> Uuid,
        owner_id -> Uuid,
        resume_id -> Nullable<Uuid>,
        overall_score -> Int4,
        language -> Text,
        engine -> Text,
        result -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    feedback (id) {
        id -> Uuid,
        owner_id -> Uuid,
        module -> Text,
        subject_id -> Uuid,
        rating -> Int2,
        comment -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    files (id) {
        id -> Uuid,
        owner_id -> Uuid,
        sha256 -> Text,
        size_bytes -> Int8,
        media_type -> Text,
        original_name -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    interview_turns (interview_id, question_index, follow_up) {
        interview_id -> Uuid,
        question_index -> Int4,
        follow_up -> Int4,
        question -> Text,
        category -> Text,
        difficulty -> Text,
        key_points -> Jsonb,
        answer -> Nullable<Text>,
        skipped -> Bool,
        answered_at -> Nullable<Timestamptz>,
        feedback -> Nullable<Jsonb>,
        score -> Nullable<Int4>,
    }
}

diesel::table! {
    interviews (id) {
        id -> Uuid,
        owner_id -> Uuid,
        resume_id -> Uuid,
        target -> Jsonb,
        question_set_id -> Nullable<Uuid>,
        mode -> Text,
        language -> Text,
        question_count -> Int4,
        seconds_per_question -> Nullable<Int4>,
        status -> Text,
        error -> Nullable<Text>,
        plan_job_id -> Uuid,
        report_job_id -> Uuid,
        assessment -> Nullable<Jsonb>,
        overall_score -> Nullable<Int4>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    invitation_credits (invitee_email_key) {
        invitee_email_key -> Text,
        inviter_id -> Uuid,
        invitee_id -> Nullable<Uuid>,
        points -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    job_attempts (job_id, attempt) {
        job_id -> Uuid,
        attempt -> Int4,
        kind -> Text,
        worker -> Nullable<Text>,
        started_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        outcome -> Nullable<Text>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Uuid,
        owner_id -> Nullable<Uuid>,
        kind -> Text,
        status -> Text,
        attempt -> Int4,
        max_attempts -> Int4,
        progress -> Int2,
        payload -> Jsonb,
        result -> Nullable<Jsonb>,
        error -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        run_after -> Timestamptz,
        dispatched_at -> Nullable<Timestamptz>,
        dispatch_id -> Nullable<Text>,
        worker -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamptz>,
        heartbeat_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        steps_done -> Nullable<Int4>,
        steps_total -> Nullable<Int4>,
        priority -> Int2,
        trace_parent -> Nullable<Text>,
    }
}

diesel::table! {
    leaderships (role) {
        role -> Text,
        holder -> Text,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    memberships (user_id) {
        user_id -> Uuid,
        paid_fen -> Int8,
        package_until -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    messages (id) {
        id -> Uuid,
        owner_id -> Uuid,
        kind -> Text,
        title -> Text,
        body -> Text,
        link -> Nullable<Text>,
        dedupe_key -> Text,
        read_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    notices (id) {
        id -> Int8,
        owner_id -> Uuid,
        event -> Text,
        subject_id -> Uuid,
        detail -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        fanned_at -> Nullable<Timestamptz>,
        mailed -> Bool,
    }
}

diesel::table! {
    notification_preferences (owner_id, topic) {
        owner_id -> Uuid,
        topic -> Text,
        channel -> Text,
    }
}

diesel::table! {
    orders (id) {
        id -> Uuid,
        owner_id -> Nullable<Uuid>,
        client_key -> Text,
        out_trade_no -> Text,
        product -> Text,
        amount_fen -> Int8,
        points -> Int4,
        status -> Text,
        code_url -> Nullable<Text>,
        transaction_id -> Nullable<Text>,
        paid_at -> Nullable<Timestamptz>,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    point_balances (user_id) {
        user_id -> Uuid,
        balance -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    points_ledger (id) {
        id -> Int8,
        user_id -> Uuid,
        job_id -> Nullable<Uuid>,
        entry -> Text,
        amount -> Int4,
        balance_after -> Int4,
        note -> Text,
        created_at -> Timestamptz,
        order_id -> Nullable<Uuid>,
        round -> Int2,
    }
}

diesel::table! {
    posting_searches (id) {
        id -> Uuid,
        owner_id -> Uuid,
        filters -> Jsonb,
        filters_key -> Text,
        runs -> Int4,
        last_results -> Int4,
        first_run_at -> Timestamptz,
        last_run_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    postings (id) {
        id -> Uuid,
        source_id -> Uuid,
        external_id -> Text,
        url -> Text,
        title -> Text,
        company -> Nullable<Text>,
        location -> Nullable<Text>,
        remote -> Bool,
        salary_min -> Nullable<Float8>,
        salary_max -> Nullable<Float8>,
        salary_currency -> Nullable<Text>,
        salary_period -> Nullable<Text>,
        employment_type -> Nullable<Text>,
        description -> Text,
        requirements -> Jsonb,
        skills -> Array<Text>,
        posted_on -> Nullable<Date>,
        content_hash -> Text,
        status -> Text,
        first_seen_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        closed_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        search -> Nullable<Tsvector>,
    }
}

diesel::table! {
    question_sets (job_id) {
        job_id -> Uuid,
        owner_id -> Uuid,
        resume_id -> Nullable<Uuid>,
        questions -> Int4,
        language -> Text,
        engine -> Text,
        result -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    queue_controls (kind) {
        kind -> Text,
        paused -> Bool,
        changed_by -> Nullable<Uuid>,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    reconciliation_mismatches (id) {
        id -> Int8,
        run_id -> Uuid,
        kind -> Text,
        reference -> Text,
        order_id -> Nullable<Uuid>,
        action -> Text,
        first_seen -> Bool,
        details -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    reconciliation_runs (id) {
        id -> Uuid,
        job_id -> Uuid,
        tick -> Nullable<Timestamptz>,
        day_from -> Date,
        day_to -> Date,
        requested_by -> Nullable<Uuid>,
        status -> Text,
        summary -> Nullable<Jsonb>,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Uuid,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    resume_parse_results (resume_id) {
        resume_id -> Uuid,
        job_id -> Uuid,
        language -> Text,
        text -> Text,
        pages -> Int4,
        contact -> Jsonb,
        sections -> Jsonb,
        education -> Jsonb,
        experience -> Jsonb,
        years_of_experience -> Float8,
        confidence -> Float8,
        parsed_at -> Timestamptz,
    }
}

diesel::table! {
    resumes (id) {
        id -> Uuid,
        owner_id -> Uuid,
        file_id -> Uuid,
        job_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        refreshed_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    skill_matches (resume_id, skill) {
        resume_id -> Uuid,
        skill -> Text,
        mentions -> Int4,
    }
}

diesel::table! {
    ticket_posts (id) {
        id -> Uuid,
        ticket_id -> Uuid,
        author_id -> Nullable<Uuid>,
        from_staff -> Bool,
        body -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tickets (id) {
        id -> Uuid,
        owner_id -> Uuid,
        subject -> Text,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
        role -> Text,
        email_verified_at -> Nullable<Timestamptz>,
        display_name -> Nullable<Text>,
        language -> Text,
        difficulty -> Text,
        updated_at -> Timestamptz,
        email_key -> Text,
        invitation_code -> Text,
        invited_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Int8,
        delivery_id -> Uuid,
        job_id -> Uuid,
        attempt -> Int4,
        status_code -> Nullable<Int4>,
        latency_ms -> Int4,
        response -> Text,
        succeeded -> Bool,
        at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        endpoint_id -> Uuid,
        event_type -> Text,
        body -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Uuid,
        owner_id -> Uuid,
        url -> Text,
        description -> Text,
        event_types -> Array<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamptz>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        failures -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    worker_processes (id) {
        id -> Text,
        host -> Text,
        pid -> Int4,
        version -> Text,
        queues -> Jsonb,
        concurrency -> Int4,
        running -> Int4,
        started_at -> Timestamptz,
        heartbeat_at -> Timestamptz,
        quiet_requested_at -> Nullable<Timestamptz>,
        stopped_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(account_tokens -> users (user_id));
diesel::joinable!(announcements -> users (created_by));
diesel::joinable!(crawl_pages -> crawl_sources (source_id));
diesel::joinable!(crawl_runs -> crawl_sources (source_id));
diesel::joinable!(diagnoses -> jobs (job_id));
diesel::joinable!(diagnoses -> resumes (resume_id));
diesel::joinable!(diagnoses -> users (owner_id));
diesel::joinable!(feedback -> users (owner_id));
diesel::joinable!(files -> users (owner_id));
diesel::joinable!(interview_turns -> interviews (interview_id));
diesel::joinable!(interviews -> users (owner_id));
diesel::joinable!(job_attempts -> jobs (job_id));
diesel::joinable!(jobs -> users (owner_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(messages -> users (owner_id));
diesel::joinable!(notices -> users (owner_id));
diesel::joinable!(notification_preferences -> users (owner_id));
diesel::joinable!(orders -> users (owner_id));
diesel::joinable!(point_balances -> users (user_id));
diesel::joinable!(points_ledger -> users (user_id));
diesel::joinable!(posting_searches -> users (owner_id));
diesel::joinable!(postings -> crawl_sources (source_id));
diesel::joinable!(question_sets -> jobs (job_id));
diesel::joinable!(question_sets -> resumes (resume_id));
diesel::joinable!(question_sets -> users (owner_id));
diesel::joinable!(queue_controls -> users (changed_by));
diesel::joinable!(reconciliation_mismatches -> reconciliation_runs (run_id));
diesel::joinable!(reconciliation_runs -> users (requested_by));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(resume_parse_results -> jobs (job_id));
diesel::joinable!(resume_parse_results -> resumes (resume_id));
diesel::joinable!(resumes -> files (file_id));
diesel::joinable!(resumes -> jobs (job_id));
diesel::joinable!(resumes -> users (owner_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(skill_matches -> resumes (resume_id));
diesel::joinable!(ticket_posts -> tickets (ticket_id));
diesel::joinable!(ticket_posts -> users (author_id));
diesel::joinable!(tickets -> users (owner_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_endpoints -> users (owner_id));

diesel::allow_tables_to_appear_in_same_query!(
    account_tokens,
    announcements,
    crawl_pages,
    crawl_runs,
    crawl_sources,
    diagnoses,
    feedback,
    files,
    interview_turns,
    interviews,
    invitation_credits,
    job_attempts,
    jobs,
    leaderships,
    memberships,
    messages,
    notices,
    notification_preferences,
    orders,
    point_balances,
    points_ledger,
    posting_searches,
    postings,
    question_sets,
    queue_controls,
    reconciliation_mismatches,
    reconciliation_runs,
    refresh_tokens,
    resume_parse_results,
    resumes,
    sessions,
    skill_matches,
    ticket_posts,
    tickets,
    users,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
    worker_processes,
);
