-- The W3C traceparent of the span that made the job (the request that enqueued it, or the
-- run of the job whose child it is), so its attempts continue that trace. NULL when
-- tracing was off.
ALTER TABLE jobs ADD COLUMN trace_parent text;
