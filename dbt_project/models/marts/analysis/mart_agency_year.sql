-- The metrics of docs/metrics.md per agency and report year. Counts come from the report's own cells
-- (the 总计 column of table 三); rates are divided with safe_divide, so a zero or null denominator
-- gives null; a group metric (e.g. all 不予公开 rows) is null when any of its cells is blank.
--
-- Incremental, with the agency as the unit: a new report changes other rows of its agency (which
-- version of a year is the latest, report_count, the next year's previous-report and year-over-year
-- columns, the agency's display name and kind), so a build recomputes every row of each agency
-- that has a report loaded since the latest loaded_at already in the table, and those rows replace
-- all the agency's old rows (unique_key agency_id). Other agencies' rows are left as they are:
-- nothing here depends on another agency.
{{ config(unique_key='agency_id') }}

with

reports as (

    select * from {{ ref('dim_report') }}

),

applications as (

    select * from {{ ref('fct_applications') }}

),

reviews as (

    select * from {{ ref('fct_reviews') }}

),

disclosures as (

    select * from {{ ref('fct_disclosures') }}

),

complaints as (

    select * from {{ ref('fct_complaints') }}

),

identity_checks as (

    select * from {{ ref('fct_identity_checks') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

scoped_reports as (

    -- every report on a full build; incrementally every report of the agencies with a report
    -- loaded since the last build
    select * from reports
    {{ agencies_loaded_since_last_build('reports') }}

),

agency_year_reports as (

    -- one report per agency and year: the latest loaded one when an organ has several
    select
        report_id,
        agency_id,
        region_id,
        report_year,
        template_version,
        loaded_at,
        count(*) over (partition by agency_id, report_year) as report_count

    from scoped_reports
    where agency_id is not null
        and report_year is not null
    qualify row_number() over (
        partition by agency_id, report_year
        order by loaded_at desc, report_id asc
    ) = 1

),

application_counts as (

    select
        report_id,
        {{ cell_value("outcome_key = 'new_received' and applicant_type_key = 'total'") }}
            as applications_new,
        {{ cell_value("outcome_key = 'new_received' and applicant_type_key = 'natural_person'") }}
            as applications_new_natural_person,
        {{ cell_value("outcome_key = 'carried_over' and applicant_type_key = 'total'") }}
            as applications_carried_over,
        {{ cell_value("outcome_key = 'total_processed' and applicant_type_key = 'total'") }}
            as applications_processed,
        {{ cell_value("outcome_key = 'granted' and applicant_type_key = 'total'") }}
            as applications_granted,
        {{ cell_value("outcome_key = 'partially_granted' and applicant_type_key = 'total'") }}
            as applications_partially_granted,
        {{ strict_sum('value', "outcome_key like 'withheld%' and applicant_type_key = 'total'") }}
            as applications_withheld,
        {{ strict_sum('value', "outcome_key like 'unavailable%' and applicant_type_key = 'total'") }}
            as applications_unavailable,
        {{ cell_value("outcome_key = 'unavailable_not_held' and applicant_type_key = 'total'") }}
            as applications_unavailable_not_held,
        {{ strict_sum('value', "outcome_key like 'rejected%' and applicant_type_key = 'total'") }}
            as applications_rejected,
        {{ cell_value("outcome_key = 'rejected_petition' and applicant_type_key = 'total'") }}
            as applications_rejected_petition,
        coalesce(
            {{ strict_sum('value', "outcome_key in ('other_overdue_correction', 'other_overdue_fee', 'other_reasons') and applicant_type_key = 'total'") }},
            {{ cell_value("outcome_key = 'other_handling' and applicant_type_key = 'total'") }}
        ) as applications_other_handling,
        {{ cell_value("outcome_key = 'carried_forward' and applicant_type_key = 'total'") }}
            as applications_carried_forward

    from applications
    where report_id in (select agency_year_reports.report_id from agency_year_reports)
    group by report_id

),

review_counts as (

    select
        report_id,
        {{ cell_value("review_kind_key = 'reconsideration' and outcome_key = 'total'") }}
            as reconsideration_cases,
        {{ cell_value("review_kind_key = 'reconsideration' and outcome_key = 'corrected'") }}
            as reconsideration_corrected,
        {{ cell_value("review_kind_key = 'reconsideration' and outcome_key = 'pending'") }}
            as reconsideration_pending,
        {{ strict_sum('value', "review_kind_key like 'litigation%' and outcome_key = 'total'") }}
            as litigation_cases,
        {{ strict_sum('value', "review_kind_key like 'litigation%' and outcome_key = 'corrected'") }}
            as litigation_corrected,
        {{ strict_sum('value', "review_kind_key like 'litigation%' and outcome_key = 'pending'") }}
            as litigation_pending

    from reviews
    where report_id in (select agency_year_reports.report_id from agency_year_reports)
    group by report_id

),

disclosure_counts as (

    select
        report_id,
        {{ cell_value("item_key = 'administrative_licensing' and measure_key = 'decisions'") }}
            as licensing_decisions,
        {{ cell_value("item_key = 'administrative_penalty' and measure_key = 'decisions'") }}
            as penalty_decisions,
        {{ cell_value("item_key = 'administrative_coercion' and measure_key = 'decisions'") }}
            as coercion_decisions,
        -- 本年新制作数量 (v2019) and 本年制发件数 (v2021): close, not identical; kept per version below
        {{ strict_sum('value', "item_key in ('regulations', 'normative_documents') and measure_key in ('produced_this_year', 'issued_this_year')") }}
            as documents_issued_2019_plus,
        {{ cell_value("item_key = 'official_documents' and measure_key = 'issued'") }}
            as official_documents_issued,
        {{ cell_value("item_key = 'normative_documents' and measure_key = 'in_force'") }}
            as normative_documents_in_force,
        {{ cell_value("item_key = 'normative_documents' and measure_key = 'published_total'") }}
            as normative_documents_published_total,
        {{ cell_value("item_key = 'administrative_fees' and measure_key = 'fee_amount_wan_yuan'") }}
            as fee_amount_wan_yuan,
        {{ cell_value("item_key = 'centralized_procurement' and measure_key = 'procurement_amount_wan_yuan'") }}
            as procurement_amount_wan_yuan

    from disclosures
    where report_id in (select agency_year_reports.report_id from agency_year_reports)
    group by report_id

),

complaint_counts as (

    select
        report_id,
        {{ cell_value("channel_key = 'petition'") }} as complaints_petition,
        {{ cell_value("channel_key = 'hotline'") }} as complaints_hotline,
        {{ cell_value("channel_key = 'leader_mailbox'") }} as complaints_leader_mailbox,
        {{ cell_value("channel_key = 'online_message_board'") }} as complaints_online_message_board,
        {{ cell_value("channel_key = 'public_opinion_response'") }}
            as complaints_public_opinion_response,
        sum(value) as complaints_total

    from complaints
    where report_id in (select agency_year_reports.report_id from agency_year_reports)
    group by report_id

),

identity_counts as (

    select
        report_id,
        count(*) filter (where status in ('PASS', 'FAIL')) as identity_checks_assessed,
        count(*) filter (where status = 'PASS') as identity_checks_passed,
        count(*) filter (where status = 'FAIL') as identity_checks_failed,
        count(*) filter (where status = 'NOT_ASSESSABLE') as identity_checks_not_assessable

    from identity_checks
    where identity_kind = 'within_report'
        and report_id in (select agency_year_reports.report_id from agency_year_reports)
    group by report_id

),

metrics as (

    select
        -- ids
        agency_year_reports.agency_id,
        agency_year_reports.report_year,
        agency_year_reports.report_id,
        agency_year_reports.region_id,
        -- strings
        agencies.agency_name,
        agencies.agency_kind,
        agency_year_reports.template_version,
        -- applications (table 三, 总计 column)
        agency_year_reports.report_count,
        application_counts.applications_new,
        application_counts.applications_carried_over,
        application_counts.applications_new + application_counts.applications_carried_over
            as workload,
        application_counts.applications_processed,
        application_counts.applications_granted,
        application_counts.applications_partially_granted,
        application_counts.applications_withheld,
        application_counts.applications_unavailable,
        application_counts.applications_unavailable_not_held,
        application_counts.applications_rejected,
        application_counts.applications_rejected_petition,
        application_counts.applications_other_handling,
        application_counts.applications_carried_forward,
        application_counts.applications_new_natural_person,
        {{ safe_divide('application_counts.applications_granted', 'application_counts.applications_processed') }}
            as grant_rate,
        {{ safe_divide('application_counts.applications_granted + application_counts.applications_partially_granted', 'application_counts.applications_processed') }}
            as disclosure_rate,
        {{ safe_divide('application_counts.applications_withheld', 'application_counts.applications_processed') }}
            as withheld_share,
        {{ safe_divide('application_counts.applications_unavailable', 'application_counts.applications_processed') }}
            as unavailable_share,
        {{ safe_divide('application_counts.applications_unavailable_not_held', 'application_counts.applications_processed') }}
            as not_held_share,
        {{ safe_divide('application_counts.applications_rejected', 'application_counts.applications_processed') }}
            as rejected_share,
        {{ safe_divide('application_counts.applications_rejected_petition', 'application_counts.applications_processed') }}
            as misdirected_petition_share,
        {{ safe_divide('application_counts.applications_other_handling', 'application_counts.applications_processed') }}
            as other_handling_share,
        {{ safe_divide('application_counts.applications_carried_forward', 'application_counts.applications_new + application_counts.applications_carried_over') }}
            as backlog_ratio,
        {{ safe_divide('application_counts.applications_new_natural_person', 'application_counts.applications_new') }}
            as natural_person_share,
        -- reviews (table 四)
        review_counts.reconsideration_cases,
        review_counts.reconsideration_corrected,
        review_counts.reconsideration_pending,
        review_counts.litigation_cases,
        review_counts.litigation_corrected,
        review_counts.litigation_pending,
        {{ safe_divide('review_counts.reconsideration_corrected', 'review_counts.reconsideration_cases - review_counts.reconsideration_pending') }}
            as reconsideration_correction_rate,
        {{ safe_divide('review_counts.litigation_corrected', 'review_counts.litigation_cases - review_counts.litigation_pending') }}
            as litigation_correction_rate,
        {{ safe_divide('review_counts.reconsideration_corrected + review_counts.litigation_corrected', 'review_counts.reconsideration_cases - review_counts.reconsideration_pending + review_counts.litigation_cases - review_counts.litigation_pending') }}
            as correction_rate,
        {{ safe_divide('review_counts.reconsideration_cases + review_counts.litigation_cases', 'application_counts.applications_processed') }}
            as contest_rate,
        -- proactive disclosure (table 二 / pre-2019 statistics table)
        disclosure_counts.licensing_decisions,
        disclosure_counts.penalty_decisions,
        disclosure_counts.coercion_decisions,
        case
            when agency_year_reports.template_version = 'pre2019'
                then disclosure_counts.official_documents_issued
            else disclosure_counts.documents_issued_2019_plus
        end as proactive_documents_issued,
        disclosure_counts.normative_documents_in_force,
        disclosure_counts.normative_documents_published_total,
        disclosure_counts.fee_amount_wan_yuan,
        disclosure_counts.procurement_amount_wan_yuan,
        -- complaints stated in the narrative
        complaint_counts.complaints_petition,
        complaint_counts.complaints_hotline,
        complaint_counts.complaints_leader_mailbox,
        complaint_counts.complaints_online_message_board,
        complaint_counts.complaints_public_opinion_response,
        complaint_counts.complaints_total,
        -- report quality: within-report identities
        coalesce(identity_counts.identity_checks_assessed, 0) as identity_checks_assessed,
        coalesce(identity_counts.identity_checks_passed, 0) as identity_checks_passed,
        coalesce(identity_counts.identity_checks_failed, 0) as identity_checks_failed,
        coalesce(identity_counts.identity_checks_not_assessable, 0)
            as identity_checks_not_assessable,
        {{ safe_divide('identity_counts.identity_checks_passed', 'identity_counts.identity_checks_assessed') }}
            as identity_pass_rate,
        lag(agency_year_reports.report_year) over (
            partition by agency_year_reports.agency_id
            order by agency_year_reports.report_year
        ) as previous_report_year,
        -- timestamps
        agency_year_reports.loaded_at

    from agency_year_reports
    left join agencies
        on agency_year_reports.agency_id = agencies.agency_id
    left join application_counts
        on agency_year_reports.report_id = application_counts.report_id
    left join review_counts
        on agency_year_reports.report_id = review_counts.report_id
    left join disclosure_counts
        on agency_year_reports.report_id = disclosure_counts.report_id
    left join complaint_counts
        on agency_year_reports.report_id = complaint_counts.report_id
    left join identity_counts
        on agency_year_reports.report_id = identity_counts.report_id

),

final as (

    -- change against the same agency's previous report (not necessarily the previous calendar year)
    select
        current_year.* exclude (loaded_at),
        current_year.report_year - current_year.previous_report_year as years_since_previous_report,
        {{ yoy_columns('applications_new') }},
        {{ yoy_columns('workload') }},
        {{ yoy_columns('applications_processed') }},
        {{ yoy_columns('grant_rate') }},
        {{ yoy_columns('disclosure_rate') }},
        {{ yoy_columns('reconsideration_cases') }},
        {{ yoy_columns('litigation_cases') }},
        {{ yoy_columns('licensing_decisions') }},
        {{ yoy_columns('penalty_decisions') }},
        {{ yoy_columns('proactive_documents_issued') }},
        {{ yoy_columns('complaints_total') }},
        current_year.loaded_at

    from metrics as current_year
    left join metrics as previous_year
        on current_year.agency_id = previous_year.agency_id
        and current_year.previous_report_year = previous_year.report_year

)

select * from final
