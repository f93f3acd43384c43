"""Notification rules: which messages go by SMS, retries, visit reminders, and the words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eldercare.notifications import domain
from eldercare.notifications.channels import LogSmsBackend, SmsMessage, load_backend
from eldercare.notifications.domain import (
    DAY_BEFORE,
    FAILED,
    PENDING,
    SOON,
    ReminderPolicy,
    RetryPolicy,
    after_failure,
    channels_for,
    reminder_due,
    too_old,
)
from eldercare.notifications.rendering import in_each_language, moment, render

AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
POLICY = ReminderPolicy()


@pytest.mark.parametrize(
    "kind",
    [
        "reminder.day_before",
        "reminder.hour_before",
        "job.offered",
        "booking.cancelled",
        "booking.provider_cancelled",
        "booking.accepted",
        "booking.unfilled",
        "provider.approve",
        "provider.reject",
        "series.cancelled",
        "application.approved",
    ],
)
def test_reminders_offers_cancellations_and_decisions_also_go_by_sms(kind):
    assert channels_for(kind) == (domain.INBOX, domain.SMS)


@pytest.mark.parametrize(
    "kind", ["booking.completed", "complaint.filed", "visit.missed", "provider.pending"]
)
def test_other_messages_stay_in_the_inbox(kind):
    assert channels_for(kind) == (domain.INBOX,)


def test_a_failed_send_is_tried_again_after_waits_that_double():
    policy = RetryPolicy(max_attempts=5, first_wait=timedelta(minutes=1))
    assert after_failure(1, AT, policy) == (PENDING, AT + timedelta(minutes=1))
    assert after_failure(2, AT, policy) == (PENDING, AT + timedelta(minutes=2))
    assert after_failure(4, AT, policy) == (PENDING, AT + timedelta(minutes=8))


def test_the_wait_between_attempts_never_exceeds_the_longest_wait():
    policy = RetryPolicy(
        max_attempts=20, first_wait=timedelta(minutes=1), longest_wait=timedelta(hours=1)
    )
    assert after_failure(12, AT, policy) == (PENDING, AT + timedelta(hours=1))


def test_after_the_last_attempt_the_dispatcher_gives_up():
    assert after_failure(5, AT, RetryPolicy(max_attempts=5)) == (FAILED, None)


def test_an_sms_older_than_a_day_is_not_worth_sending():
    policy = RetryPolicy()
    assert not too_old(AT - timedelta(hours=23), AT, policy)
    assert too_old(AT - timedelta(hours=25), AT, policy)


def test_no_reminder_is_due_more_than_a_day_ahead():
    assert reminder_due(AT + timedelta(hours=24, minutes=1), AT, POLICY) is None


def test_the_day_before_reminder_is_due_from_24_hours_before_the_start():
    assert reminder_due(AT + timedelta(hours=24), AT, POLICY) == DAY_BEFORE
    assert reminder_due(AT + timedelta(hours=3), AT, POLICY) == DAY_BEFORE


def test_the_hour_before_reminder_is_due_within_the_last_60_minutes():
    assert reminder_due(AT + timedelta(minutes=60), AT, POLICY) == SOON
    assert reminder_due(AT + timedelta(minutes=1), AT, POLICY) == SOON


def test_a_visit_that_has_started_or_passed_gets_no_reminder():
    assert reminder_due(AT, AT, POLICY) is None
    assert reminder_due(AT - timedelta(hours=2), AT, POLICY) is None


def test_the_reminder_windows_follow_the_policy():
    policy = ReminderPolicy(day_before=timedelta(hours=48), soon=timedelta(minutes=30))
    assert reminder_due(AT + timedelta(hours=40), AT, policy) == DAY_BEFORE
    assert reminder_due(AT + timedelta(minutes=45), AT, policy) == DAY_BEFORE
    assert reminder_due(AT + timedelta(minutes=30), AT, policy) == SOON


def test_a_moment_is_written_the_way_each_reader_says_it_in_the_visits_zone():
    params = {"when": moment(AT, "Asia/Shanghai")}
    assert render("zh_CN", "{when}", params) == "2026年12月1日 星期二 上午9:00"
    assert render("en", "{when}", params) == "Tuesday 1 December 2026, 9:00 AM"


def test_words_given_in_each_language_are_picked_for_the_reader():
    params = {"service": in_each_language("上门理发", "Home haircut")}
    assert render("en", "{service}", params) == "Home haircut"
    assert render("zh_CN", "{service}", params) == "上门理发"


def test_a_reminder_reads_as_a_sentence_in_both_languages():
    message = "Reminder: {service} for {elder} on {when}."
    params = {
        "elder": "张秀英",
        "service": in_each_language("上门理发", "Home haircut"),
        "when": moment(AT, "Asia/Shanghai"),
    }
    assert (
        render("en", message, params)
        == "Reminder: Home haircut for 张秀英 on Tuesday 1 December 2026, 9:00 AM."
    )
    assert (
        render("zh_CN", message, params)
        == "温馨提醒：张秀英预约的「上门理发」将于2026年12月1日 星期二 上午9:00上门服务。"
    )


def test_plain_params_are_filled_in_as_they_are():
    assert render("en", "Booking {id} was cancelled by the elder's side.", {"id": 7}) == (
        "Booking 7 was cancelled by the elder's side."
    )


class _Gateway:
    async def send(self, message: SmsMessage) -> None:
        return None


def test_the_sms_backend_is_chosen_by_setting():
    assert isinstance(load_backend("log"), LogSmsBackend)
    assert isinstance(load_backend(f"{__name__}:_Gateway"), _Gateway)
    assert isinstance(load_backend(f"{__name__}._Gateway"), _Gateway)


def test_a_backend_setting_that_names_nothing_usable_fails_loudly():
    with pytest.raises(ValueError):
        load_backend("nodots")
    with pytest.raises(TypeError):
        load_backend("datetime:timedelta")
