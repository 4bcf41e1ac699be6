//! The workload's action functions, after the seed's handlers: voice synthesis, audio
//! playback and timers. Each passes a fault point, so delays, errors of each kind, hangs
//! (long delays) and crashes can be injected.

use crate::error::ActionError;
use asynclife_sim::rt::{self, fault};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The handlers of the seed's "affected components".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// `voice_synthesis_handler.py`: synthesizes speech.
    VoiceSynthesis,
    /// `audio_playback_handler.py`: plays audio.
    AudioPlayback,
    /// `timer.py`: runs a timer and fires its notification.
    Timer,
}

impl ActionKind {
    /// Every kind.
    pub const ALL: [ActionKind; 3] = [
        ActionKind::VoiceSynthesis,
        ActionKind::AudioPlayback,
        ActionKind::Timer,
    ];

    /// The handler's class name.
    pub fn handler(self) -> &'static str {
        match self {
            ActionKind::VoiceSynthesis => "VoiceSynthesisHandler",
            ActionKind::AudioPlayback => "AudioPlaybackHandler",
            ActionKind::Timer => "TimerHandler",
        }
    }

    /// The domain its actions run in.
    pub fn domain(self) -> &'static str {
        match self {
            ActionKind::VoiceSynthesis => "voice_synthesis",
            ActionKind::AudioPlayback => "audio",
            ActionKind::Timer => "timer",
        }
    }

    /// The prefix of its action names (`synthesis_id`, `playback_id`, ...).
    pub fn prefix(self) -> &'static str {
        match self {
            ActionKind::VoiceSynthesis => "synthesis",
            ActionKind::AudioPlayback => "playback",
            ActionKind::Timer => "timer",
        }
    }

    /// The fault point its action function passes.
    pub fn fault_point(self) -> &'static str {
        match self {
            ActionKind::VoiceSynthesis => "action.voice_synthesis",
            ActionKind::AudioPlayback => "action.audio",
            ActionKind::Timer => "action.timer",
        }
    }

    /// Runs one attempt of this kind of action, whose work takes `work`.
    pub async fn run(self, work: Duration) -> Result<(), ActionError> {
        match self {
            ActionKind::VoiceSynthesis => synthesize_speech(work).await,
            ActionKind::AudioPlayback => play_audio(work).await,
            ActionKind::Timer => run_timer(work).await,
        }
    }
}

/// `_synthesize_speech_action`: asks the TTS engine (the fault point), then synthesizes.
pub async fn synthesize_speech(work: Duration) -> Result<(), ActionError> {
    fault::point(ActionKind::VoiceSynthesis.fault_point()).await?;
    rt::sleep(work).await;
    Ok(())
}

/// `_start_audio_playback_action`: opens the audio device (the fault point), then plays.
pub async fn play_audio(work: Duration) -> Result<(), ActionError> {
    fault::point(ActionKind::AudioPlayback.fault_point()).await?;
    rt::sleep(work).await;
    Ok(())
}

/// A timer: waits its duration, then fires its completion notification (the fault point).
pub async fn run_timer(duration: Duration) -> Result<(), ActionError> {
    rt::sleep(duration).await;
    fault::point(ActionKind::Timer.fault_point()).await?;
    Ok(())
}
