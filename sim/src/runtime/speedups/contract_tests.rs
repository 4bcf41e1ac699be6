//! The contract both sides of the fence keep, checked on both in every build (the fast side's
//! own tests, of its pool, are in its files).

macro_rules! contract {
    ($side:ident, keeps: $keeps:expr) => {
        mod $side {
            use super::super::$side::push_in_place::push_in_place;
            use super::super::$side::task_future::TaskFuture;
            use super::super::$side::{current, kept};
            use crate::runtime::kernel::Kernel;
            use crate::SimConfig;
            use std::cell::Cell;
            use std::future::Future;
            use std::panic::{catch_unwind, AssertUnwindSafe};
            use std::pin::Pin;
            use std::rc::Rc;
            use std::task::{Context, Poll, Waker};

            /// A future that counts its polls and drops and holds `N` bytes.
            struct Probe<const N: usize> {
                polls: Rc<Cell<u32>>,
                drops: Rc<Cell<u32>>,
                bytes: [u8; N],
            }

            impl<const N: usize> Future for Probe<N> {
                type Output = ();
                fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
                    assert!(self.bytes.iter().all(|&b| b == 7), "the future is intact");
                    self.polls.set(self.polls.get() + 1);
                    if self.polls.get() < 2 {
                        Poll::Pending
                    } else {
                        Poll::Ready(())
                    }
                }
            }

            impl<const N: usize> Drop for Probe<N> {
                fn drop(&mut self) {
                    self.drops.set(self.drops.get() + 1);
                }
            }

            fn probe<const N: usize>(polls: &Rc<Cell<u32>>, drops: &Rc<Cell<u32>>) -> TaskFuture {
                TaskFuture::new(Probe::<N> {
                    polls: polls.clone(),
                    drops: drops.clone(),
                    bytes: [7; N],
                })
            }

            #[test]
            fn futures_of_every_size_poll_in_place_and_drop_once() {
                let (polls, drops) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
                let mut cx = Context::from_waker(Waker::noop());
                let mut futures = vec![
                    probe::<0>(&polls, &drops),
                    probe::<24>(&polls, &drops),
                    probe::<100>(&polls, &drops),
                    probe::<5000>(&polls, &drops), // larger than any pooled class
                ];
                for future in &mut futures {
                    polls.set(0);
                    // SAFETY: the future stays in `futures`, alive and polled by no one else.
                    assert_eq!(unsafe { future.poll_handle().poll(&mut cx) }, Poll::Pending);
                    assert_eq!(future.poll(&mut cx), Poll::Ready(()));
                }
                assert_eq!(drops.get(), 0, "nothing is dropped while kept");
                drop(futures);
                assert_eq!(drops.get(), 4);
                let mut unit = TaskFuture::new(async {});
                assert_eq!(unit.poll(&mut cx), Poll::Ready(()));
            }

            #[test]
            fn a_kept_value_comes_back_once_and_only_as_its_own_type() {
                #[derive(Debug, PartialEq)]
                struct Kept(u32);
                struct Other;
                kept::keep(Kept(1));
                kept::keep(Kept(2)); // replaces the first
                assert!(kept::take::<Other>().is_none());
                let expected = if $keeps { Some(Kept(2)) } else { None };
                assert_eq!(kept::take::<Kept>(), expected);
                assert_eq!(kept::take::<Kept>(), None, "taken once");
            }

            #[test]
            fn pushed_in_place_values_keep_their_order() {
                let mut list = Vec::new();
                for k in 0..100u64 {
                    push_in_place(&mut list, || (k, k as u8, [k as u16; 3]));
                }
                assert!(list
                    .iter()
                    .enumerate()
                    .all(|(i, v)| v.0 == i as u64 && v.2[2] == i as u16));
            }

            #[test]
            fn the_current_kernel_is_there_between_enter_and_leave_only() {
                assert!(!current::is_set());
                assert!(current::with(|kernel| kernel.run_id).is_none());
                let kernel = Rc::new(Kernel::new(SimConfig::default()));
                let id = kernel.run_id;
                current::enter(kernel.clone());
                assert!(current::is_set());
                assert_eq!(current::with(|kernel| kernel.run_id), Some(id));
                assert_eq!(current::get().map(|kernel| kernel.run_id), Some(id));
                let nested = catch_unwind(AssertUnwindSafe(|| current::enter(kernel.clone())));
                assert!(nested.is_err(), "no simulation inside another");
                current::leave();
                assert!(!current::is_set());
                assert_eq!(Rc::strong_count(&kernel), 1, "every reference was released");
            }
        }
    };
}

contract!(fast, keeps: true);
contract!(plain, keeps: false);
