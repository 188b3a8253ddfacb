"""From the services' records to the certificate content and the text signers sign."""

from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from lims.testing.v1 import investigation_pb2, testing_pb2
from workflows.certificate import (
    canonical_text,
    certificate_content,
    conclusion,
    result_text,
)

LAB = "LNCM-2026-00001"
CONFORMS = common_pb2.CONFORMITY_CONFORMS
FAILS = common_pb2.CONFORMITY_DOES_NOT_CONFORM


def planned_test(
    n: int,
    *verdicts: common_pb2.Conformity.ValueType,
    status: testing_pb2.TestStatus.ValueType = testing_pb2.TEST_STATUS_ACCEPTED,
) -> testing_pb2.Test:
    """Test n of the plan with one result per verdict (the last is current)."""
    return testing_pb2.Test(
        test_id=f"{LAB}-{n:02d}",
        lab_number=LAB,
        status=status,
        spec=testing_pb2.SpecificationTest(
            code=f"T{n}",
            name=f"Test {n}",
            method="Ph. Eur. 2.2.29",
            unit="%",
            criterion=testing_pb2.Criterion(display="95.0 – 105.0 %"),
        ),
        results=[
            testing_pb2.Result(
                attempt=i,
                values=["99.0", "100.0"],
                reportable_value="99.5",
                conformity=v,
                submitted_by=common_pb2.Actor(username="analyst"),
            )
            for i, v in enumerate(verdicts, start=1)
        ],
    )


def plan(*tests: testing_pb2.Test) -> testing_pb2.TestPlan:
    """A plan of the given tests."""
    return testing_pb2.TestPlan(
        lab_number=LAB,
        specification_reference="Ph. Eur. 0049",
        specification_source="Ph. Eur.",
        specification_version=2,
        tests=tests,
    )


def signature(kind: str, record: str, who: str, at: str) -> common_pb2.Signature:
    """A signature of `kind` on `record`."""
    return common_pb2.Signature(
        signature_id=f"{who}-{at}", username=who, record_kind=kind, record_id=record, signed_at=at
    )


def test_a_sample_conforms_only_if_every_current_result_conforms() -> None:
    assert conclusion(plan(planned_test(1, CONFORMS), planned_test(2, FAILS, CONFORMS))) == CONFORMS
    assert conclusion(plan(planned_test(1, CONFORMS), planned_test(2, CONFORMS, FAILS))) == FAILS
    assert conclusion(plan()) == FAILS


def test_invalidated_tests_are_neither_reported_nor_judged() -> None:
    invalidated = planned_test(2, FAILS, status=testing_pb2.TEST_STATUS_INVALIDATED)
    content = certificate_content(
        intake_pb2.Sample(lab_number=LAB), plan(planned_test(1, CONFORMS), invalidated), []
    )
    assert [t.name for t in content.tests] == ["Test 1"]
    assert content.conclusion == CONFORMS


def test_the_certificate_prints_the_latest_review_of_each_test_and_the_approval() -> None:
    signatures = [
        signature("test_review", f"{LAB}-01", "reviewer", "2026-03-02T10:00:00Z"),  # sent back
        signature("test_review", f"{LAB}-01", "reviewer2", "2026-03-03T10:00:00Z"),
        signature("sample_approval", LAB, "approver", "2026-03-04T10:00:00Z"),
    ]
    sample = intake_pb2.Sample(lab_number=LAB, product_name="Paracetamol 500 mg tablets")
    content = certificate_content(sample, plan(planned_test(1, CONFORMS)), signatures)
    signed = certificate_content(
        sample, plan(planned_test(1, CONFORMS)), signatures, with_approval=False
    )

    assert [s.username for s in content.signatures] == ["reviewer2", "approver"]
    assert [s.username for s in signed.signatures] == ["reviewer2"]
    assert content.specification == "Ph. Eur. 0049 (Ph. Eur.), version 2"
    assert content.tests[0].limits == "95.0 – 105.0 %"
    assert list(content.tests[0].values) == ["99.0", "100.0"]


def test_canonical_text_is_the_same_for_the_same_record_and_differs_otherwise() -> None:
    sample = intake_pb2.Sample(lab_number=LAB)
    one = canonical_text(certificate_content(sample, plan(planned_test(1, CONFORMS)), []))
    again = canonical_text(certificate_content(sample, plan(planned_test(1, CONFORMS)), []))
    other = canonical_text(certificate_content(sample, plan(planned_test(1, FAILS)), []))
    assert one == again
    assert one != other


def test_the_reviewed_text_leaves_the_review_out_so_a_retry_signs_the_same_text() -> None:
    test = planned_test(1, CONFORMS)
    before = result_text(test, test.results[0])
    test.results[0].review_outcome = "accepted"
    test.results[0].reviewed_by.username = "reviewer"
    assert result_text(test, test.results[0]) == before
    assert '"attempt":1' in before and '"conformity":"conforms"' in before


def test_the_content_carries_every_item_of_the_certificate() -> None:
    sample = intake_pb2.Sample(
        lab_number=LAB,
        product_name="Paracetamol 500 mg tablets",
        inns="paracetamol",
        dosage_form="tablet",
        strength="500 mg",
        pack="blister of 10",
        manufacturer="مختبرات الأطلس",
        marketing_authorisation_holder="Atlas Pharma SA",
        storage_conditions="below 25 °C",
        requester_organisation="DMP",
        contact_name="Nadia",
        contact_email="nadia@example.org",
        contact_phone="+212 5",
        quantity_received="60",
        quantity_unit="tablets",
        seals_intact=True,
        labelling_legible=True,
        temperature_on_arrival="21.5",
    )
    assay = planned_test(1, FAILS, CONFORMS)
    assay.spec.technique = "HPLC"
    assay.spec.replicates = 2
    assay.assigned_at = "2026-03-01T09:00:00Z"
    assay.results[0].invalidated_reason = "dilution error"
    assay.results[0].invalidated_by = "supervisor"
    assay.results[0].invalidated_at = "2026-03-02T08:00:00Z"
    impurity = planned_test(2, CONFORMS)
    impurity.spec.loq = "0.05"
    impurity.assigned_at = "2026-02-28T16:00:00+01:00"  # the earliest instant, written in +01:00
    impurity.results[0].reportable_value = "< LOQ"
    impurity.results[0].below_loq = True
    the_plan = plan(assay, impurity)
    the_plan.specification_id = "SPEC-PARA"
    investigation = investigation_pb2.Investigation(
        investigation_id=f"{LAB}-01-OOS1",
        test_id=f"{LAB}-01",
        attempt=1,
        reportable_value="93.1 %",
        outcome="invalidated",
        phase_1_summary="dilution error",
        signatures=[
            investigation_pb2.InvestigationSignature(
                step="phase_1",
                signer=common_pb2.Actor(username="sup", full_name="Samir Supervisor"),
                meaning="approved",
                signed_at="2026-03-02T08:00:00Z",
            )
        ],
    )
    signatures = [
        signature("test_review", f"{LAB}-01", "reviewer", "2026-03-05T10:00:00Z"),
        signature("test_review", f"{LAB}-02", "reviewer", "2026-03-04T10:00:00Z"),
        signature("sample_approval", LAB, "approver", "2026-03-06T10:00:00Z"),
    ]

    content = certificate_content(sample, the_plan, signatures, investigations=[investigation])

    assert (content.inns, content.dosage_form, content.strength, content.pack) == (
        "paracetamol",
        "tablet",
        "500 mg",
        "blister of 10",
    )
    assert content.manufacturer == "مختبرات الأطلس"
    assert content.marketing_authorisation_holder == "Atlas Pharma SA"
    assert (content.contact_name, content.contact_email, content.contact_phone) == (
        "Nadia",
        "nadia@example.org",
        "+212 5",
    )
    assert content.quantity_received == "60 tablets"
    assert content.seals_intact and content.labelling_legible
    assert content.temperature_on_arrival == "21.5"
    assert (content.specification_id, content.specification_version) == ("SPEC-PARA", 2)
    assert (content.specification_source, content.specification_reference) == (
        "Ph. Eur.",
        "Ph. Eur. 0049",
    )
    # Start: the first assignment; end: the last review that accepted a test.
    assert content.testing_started_at == "2026-02-28T16:00:00+01:00"
    assert content.testing_ended_at == "2026-03-05T10:00:00Z"
    assay_line, impurity_line = content.tests
    assert (assay_line.test_id, assay_line.technique, assay_line.replicates) == (
        f"{LAB}-01",
        "HPLC",
        2,
    )
    assert (impurity_line.result, impurity_line.below_loq, impurity_line.loq) == (
        "< LOQ",
        True,
        "0.05",
    )
    # The OOS history: the investigation with its signer, the invalidated result with its values.
    (oos,) = content.investigations
    assert (oos.test_name, oos.original_result, oos.outcome, oos.conclusion) == (
        "Test 1",
        "93.1 %",
        "invalidated",
        "dilution error",
    )
    assert [(s.name, s.meaning, s.step) for s in oos.signers] == [
        ("Samir Supervisor", "approved", "phase_1")
    ]
    (invalidated,) = content.invalidated_results
    assert (invalidated.attempt, list(invalidated.values), invalidated.result) == (
        1,
        ["99.0", "100.0"],
        "99.5 %",
    )
    assert (invalidated.reason, invalidated.invalidated_by) == ("dilution error", "supervisor")


def test_the_approver_signs_the_invalidated_results_but_not_the_investigations() -> None:
    test = planned_test(1, FAILS, CONFORMS)
    test.results[0].invalidated_reason = "dilution error"
    investigation = investigation_pb2.Investigation(investigation_id=f"{LAB}-01-OOS1")
    sample = intake_pb2.Sample(lab_number=LAB)
    signed = certificate_content(sample, plan(test), [], with_approval=False)
    issued = certificate_content(sample, plan(test), [], investigations=[investigation])
    assert len(signed.invalidated_results) == 1
    assert not signed.investigations
    assert len(issued.investigations) == 1
