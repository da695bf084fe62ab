//! Step 4: sending. The fetch driver lives in the JS layer (`src/js/`);
//! until it lands this step says what the check produced and how to send it
//! with the command-line tool, rather than pretend.

use yew::prelude::*;

use super::state::{CheckState, Step};
use super::use_ctx;
use super::widgets::{count, StepNav};

#[component]
pub fn SendStep() -> Html {
    let ctx = use_ctx();
    let valid = match &ctx.state.check {
        CheckState::Done(d) => d.0.report.valid,
        _ => 0.0,
    };
    html! {
        <>
            <section class="card" aria-labelledby="send-h">
                <h2 id="send-h">{ "Send" }</h2>
                <p>{ format!("{} messages are ready.", count(valid)) }</p>
                <div class="banner info">
                    <p>{ "Sending from the browser is not available in this version yet. To send now, save the mapping in step 2 and run:" }</p>
                    <pre class="cmd">{ "segment-backfill send FILE --mapping mapping.json --write-key …" }</pre>
                </div>
            </section>
            <StepNav back={Some(Step::Check)} next={None::<Step>} />
        </>
    }
}
